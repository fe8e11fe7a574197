/**
 * Imported first by the demo: outside the Azure Functions host, `@azure/functions` runs in "test mode" and prints a
 * warning for itself and for every function it skips registering (one per function file). That is exactly how the
 * demo means to run — it calls the handlers directly, as the host would — so those lines are held back here and the
 * demo explains them once (`functionsTestModeNote`). Every other warning passes through unchanged.
 */
const TEST_MODE =
  /^WARNING: (Failed to detect the Azure Functions runtime\.|Skipping call to (register|dispose) .*test mode\.)/;

let held = 0;
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && TEST_MODE.test(args[0])) {
    held++;
    return;
  }
  warn(...args);
};

/** One line for the demo's output, or undefined when nothing was held back. */
export function functionsTestModeNote(): string | undefined {
  return held > 0
    ? 'Note: outside the Azure Functions host, @azure/functions runs in "test mode" (registration skipped); ' +
        'the demo calls the function handlers directly, as the host would.'
    : undefined;
}
