import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // .ci/run runs the hostile-input suite (test/hostile) as its own step first, then the rest
    // with this set, so the suite is named in the log and not run twice.
    exclude: process.env.CLINICALBERT_SKIP_HOSTILE === '1' ? ['test/hostile/**', 'node_modules/**'] : ['node_modules/**'],
    // CLI tests spawn bin/clinicalbert.js, which runs dist/: rebuild it first when src/ is newer.
    globalSetup: ['test/support/global-setup.ts'],
    // Tests that run the built CLI or real models are slow on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // `vitest run --coverage` (CI: `npm test -- --coverage`) prints a summary; it gates nothing.
    // It measures code that runs inside vitest's workers: what the CLI tests run in child
    // processes (dist/) is not counted.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary'],
    },
  },
});
