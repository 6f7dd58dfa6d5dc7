import { defineConfig } from 'vitest/config';

// Lab tests build network namespaces: they share one kernel, so test files run one at a time there.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
