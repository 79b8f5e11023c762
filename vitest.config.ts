import { defineConfig } from 'vitest/config';

// Every test file runs in its own child process: chDB binds one data directory per
// process, so files that open an embedded store must not share a process.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    pool: 'forks',
    isolate: true,
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default', ['json', { outputFile: '.test-results/results.json' }]],
  },
});
