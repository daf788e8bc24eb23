import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-runtime.ts'],
    // Tests share one dev server; workflows are slow compared to unit tests.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time: most of a test waits on timers, servers and child processes, so two share
    // 2 cores well (vitest's default, cores - 1, ran the suite one file at a time). Each file has its own
    // task queues, offers and ports; the dev server is shared.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
