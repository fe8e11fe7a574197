/**
 * Vitest global setup: every test run gets one temporary folder, and every `mkdtemp(tmpdir())` of a test (or of a
 * CLI a test spawns) lands inside it, because `os.tmpdir()` reads TMPDIR on each call and the workers and their
 * children inherit it. Teardown removes the folder, so no run leaves `mh-*` folders behind, whichever test forgot
 * its own cleanup or failed before it.
 *
 * Mode 0755: the lab's Dovecot runs mail processes as another user (vmail) that must be able to traverse it. The
 * path stays short (`/tmp/mh-run-XXXXXX`) because Unix socket paths are limited to 108 bytes.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'mh-run-'));
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      // Say so rather than fail the run: a file another user created (e.g. Dovecot's) cannot be removed by us.
      console.warn(`could not remove ${dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}
