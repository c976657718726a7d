import { defineConfig } from 'vitest/config';

// Three projects: unit (pure logic, fast), integration (a real Docker engine and real
// sockets), e2e (the built CLI run as a subprocess). `npm test` runs them all.
export default defineConfig({
  test: {
    // Integration and e2e files share one Docker engine and a 2-core machine: one file at a
    // time keeps them from starving each other's health checks.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
