import { defineConfig } from 'tsup';

// The CLI as ESM; dependencies stay external (native addons such as sharp and
// onnxruntime-node cannot be bundled). Split into chunks: what src/cli/main.ts and the
// commands import with `import()` (each command, the report, explanations) is a chunk of its
// own, read from disk only by the runs that use it, so start-up does not parse code it will
// not run (bench/startup.sh).
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
  splitting: true,
});
