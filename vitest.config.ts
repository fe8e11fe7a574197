import { defineConfig } from 'vitest/config';

// Two projects: `unit` is fast and needs nothing; `integration` (*.int.test.ts) talks to the lab that
// `npm test` starts once (lab/with-lab.ts) and shares with every test file.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'node_modules/**', 'dist/**'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
