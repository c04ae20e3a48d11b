import { defineConfig } from 'tsup';

// One ESM bundle for the CLI; dependencies stay external (native addons such as
// sharp and onnxruntime-node cannot be bundled).
export default defineConfig({
  entry: { cli: 'src/cli/main.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  splitting: false,
});
