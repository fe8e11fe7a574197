/**
 * The lock of a directory state store: one `mailbox-health check` at a time per state directory. Two overlapping
 * runs (cron and a manual run, or a Nagios check that outlived its interval) would otherwise both read the same
 * Sent Items watermark and both write: the etags would keep the counts right, but one run's work would be lost
 * and its result would say "conflict" instead of the quota.
 *
 * The lock is `<dir>/.lock`, created exclusively (`O_CREAT|O_EXCL`, atomic on local file systems) and holding
 * `{ pid, host, since }`. A lock is stale when it names this host and a process that no longer exists (a run
 * that crashed or was killed with SIGKILL). A stale lock is taken over by renaming it to a name of our own first:
 * of two runs that both find it stale, only one rename succeeds, and the winner checks that what it moved away is
 * the stale lock it read (not a fresh one a third run just created) before creating its own.
 *
 * A lock written on another host (a shared directory) cannot be tested and is never taken over: the error says
 * which file to delete once no run is left.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = '.lock';

interface LockContent {
  pid: number;
  host: string;
  since: string;
}

/** Another run holds the directory (or a lock that cannot be proved stale). */
export class StoreLockedError extends Error {
  readonly code = 'ESTATE_LOCKED';
  constructor(
    readonly lockFile: string,
    readonly holder: Partial<LockContent> | undefined,
  ) {
    const who = holder?.pid
      ? ` by pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}${holder.since ? ` since ${holder.since}` : ''}`
      : '';
    super(
      `state directory is locked${who} (lock file ${lockFile}): another mailbox-health run is using it. ` +
        'Runs on one state directory must not overlap — wait for the other run or lengthen the schedule ' +
        `interval; if no run is left (a crash on another host), delete ${lockFile}`,
    );
    this.name = 'StoreLockedError';
  }
}

function readLock(file: string): { text: string; content?: Partial<LockContent> } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockContent>;
    return { text, content: typeof parsed === 'object' && parsed !== null ? parsed : undefined };
  } catch {
    // Written half (a crash between create and write) or by something else: no holder to test.
    return { text };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 tests for existence without signalling
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Stale: written on this host by a process that is gone. Anything we cannot prove stale is held. */
function isStale(content: Partial<LockContent> | undefined, host: string): boolean {
  if (!content || typeof content.pid !== 'number' || content.host !== host) return false;
  return content.pid !== process.pid && !isAlive(content.pid);
}

/** Takes `<dir>/.lock` for this process and returns the function that releases it. */
export function lockDirectory(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  const host = hostname();
  const mine: LockContent = { pid: process.pid, host, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(mine));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readLock(file);
    if (!held) continue; // released between our create and our read: try again
    if (!isStale(held.content, host)) throw new StoreLockedError(file, held.content);
    const aside = `${file}.stale.${process.pid}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another run took it over first
      throw err;
    }
    const moved = readLock(aside);
    if (moved?.text !== held.text) {
      // We moved a live lock that replaced the stale one meanwhile: put it back (link fails if a newer one exists).
      try {
        linkSync(aside, file);
      } catch {
        /* a newer lock is in place; ours is the moved copy, dropped below */
      }
      rmSync(aside, { force: true });
      throw new StoreLockedError(file, moved?.content);
    }
    rmSync(aside, { force: true });
  }
  throw new StoreLockedError(file, readLock(file)?.content);
}
