import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests spawn bin/clinicalbert.js, which runs dist/: rebuild it first when src/ is newer.
    globalSetup: ['test/support/global-setup.ts'],
    // Tests that run the built CLI or real models are slow on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
