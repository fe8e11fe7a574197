import { defineConfig } from 'vitest/config';

// Two projects: `unit` is fast and needs nothing; `integration` (*.int.test.ts) talks to the lab that
// `npm test` starts once (lab/with-lab.ts) and shares with every test file.
export default defineConfig({
  test: {
    // One temporary folder per run (TMPDIR), removed at the end: no test leaves mkdtemp folders behind.
    globalSetup: ['test/helpers/temp-dir-setup.ts'],
    // Outside the Functions host @azure/functions runs in "test mode" and says so for every function file a test
    // imports; the tests call the handlers directly on purpose, so those lines are noise (lab/quiet-functions.ts).
    onConsoleLog: (log) =>
      /^WARNING: (Failed to detect the Azure Functions runtime|Skipping call to (register|dispose) )/.test(
        log,
      )
        ? false
        : undefined,
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
