import { defineConfig } from 'tsup';

// One ESM bundle for the CLI; dependencies stay external (native addons such as
// sharp and onnxruntime-node cannot be bundled).
export default defineConfig({
  // featurize-worker: the body of the featurizing threads (src/pipeline/featurize-pool.ts), loaded
  // by URL from beside the bundle
  entry: { cli: 'src/cli/main.ts', 'featurize-worker': 'src/pipeline/featurize-worker.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  splitting: false,
});
