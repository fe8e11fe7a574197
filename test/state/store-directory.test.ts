/**
 * The local directory store (`state.tables: { "directory": "path" }`): the same contract suite as memory and
 * Table Storage, plus what only a directory has — the data outlives the process, a second process is refused
 * while the first holds the lock (the error names the lock file), a lock left by a dead process is taken over,
 * one written on another host is not, and a write is all or nothing on disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openDirectoryStore,
  partitionFileName,
  StoreLockedError,
} from '../../src/shared/state/directory-store.js';
import { runHistoryContract } from './history-contract.js';
import { runStoreContract } from './store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'mh-dirstore-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `s${++n}`);

runStoreContract('local directory', async () => openDirectoryStore(freshDir()));
runHistoryContract('local directory', async () => openDirectoryStore(freshDir()));

/** A pid that surely no longer exists: a child that has finished. */
const deadPid = () =>
  Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
      .stdout,
  );

const lockOf = (pid: number, host = hostname()) =>
  JSON.stringify({ pid, host, since: '2026-12-01T03:00:00.000Z' });

function lockError(dir: string): StoreLockedError {
  try {
    openDirectoryStore(dir).close();
  } catch (e) {
    if (e instanceof StoreLockedError) return e;
    throw e;
  }
  throw new Error('opened although locked');
}

describe('directory store: one host, one process at a time', () => {
  it('keeps its data across close and reopen, in a file per table and partition', async () => {
    const dir = freshDir();
    const a = openDirectoryStore(dir);
    await a.review.create('desk', 'spam', { weeklyJunk: [{ week: '2026-11-30', junkMessages: 4 }] });
    a.close();
    expect(readdirSync(join(dir, 'review'))).toEqual(['desk.json']);
    const b = openDirectoryStore(dir);
    expect((await b.review.get('desk', 'spam'))?.value.weeklyJunk[0]?.junkMessages).toBe(4);
    b.close();
  });

  it('partition keys that differ only in case, or carry path characters, get files of their own', () => {
    expect(partitionFileName('desk')).toBe('desk.json');
    // Case-insensitive file systems (Windows, macOS) compare names without case.
    expect(partitionFileName('Desk').toLowerCase()).not.toBe(partitionFileName('desk').toLowerCase());
    expect(partitionFileName('../x')).toBe('%2E%2E%2Fx.json');
  });

  it('a second open while the first holds it fails naming the lock file and the holder; after close it opens', () => {
    const dir = freshDir();
    const a = openDirectoryStore(dir);
    const err = lockError(dir);
    expect(err.message).toContain(join(dir, '.lock'));
    expect(err.message).toContain(`pid ${process.pid}`);
    a.close();
    openDirectoryStore(dir).close();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });

  it('another process holding the directory is refused while it runs, and not after', async () => {
    const dir = freshDir();
    openDirectoryStore(dir).close();
    // A live process of this host writes the lock as a run would (its own pid), then waits to be told to end.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require('fs').writeFileSync(process.argv[1], JSON.stringify({pid: process.pid, host: require('os').hostname(), since: new Date().toISOString()})); process.stdout.write('ready'); process.stdin.once('data', () => { require('fs').rmSync(process.argv[1]); process.exit(0); });`,
        join(dir, '.lock'),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise((ok) => child.stdout.once('data', ok));
    expect(lockError(dir).holder?.pid).toBe(child.pid);
    child.stdin.write('end\n');
    await new Promise((ok) => child.once('exit', ok));
    openDirectoryStore(dir).close();
  });

  it('a lock left by a process of this host that no longer exists is taken over', () => {
    const dir = freshDir();
    openDirectoryStore(dir).close();
    writeFileSync(join(dir, '.lock'), lockOf(deadPid()));
    const s = openDirectoryStore(dir);
    expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    s.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('.lock'))).toEqual([]);
  });

  it('a lock from another host, or one that cannot be read, is never taken over', () => {
    const dir = freshDir();
    openDirectoryStore(dir).close();
    writeFileSync(join(dir, '.lock'), lockOf(deadPid(), 'other-host.example'));
    expect(lockError(dir).message).toContain('on other-host.example');
    writeFileSync(join(dir, '.lock'), '');
    expect(lockError(dir).message).toContain(`delete ${join(dir, '.lock')}`);
    expect(existsSync(join(dir, '.lock'))).toBe(true);
  });

  it('a failed write leaves the previous partition whole; the next write completes with nothing left over', async () => {
    const dir = freshDir();
    const s = openDirectoryStore(dir);
    expect((await s.review.create('desk', 'spam', { weeklyJunk: [] })).ok).toBe(true);
    // Something in the way of the temporary file (a directory of its name: not even root can open it for writing).
    const blocker = join(dir, 'review', `desk.json.${process.pid}.tmp`);
    mkdirSync(blocker);
    const nine = { weeklyJunk: [{ week: '2026-11-30', junkMessages: 9 }] };
    await expect(s.review.upsert('desk', 'spam', nine)).rejects.toThrow(/cannot write .*review/);
    expect((await s.review.get('desk', 'spam'))?.value.weeklyJunk).toEqual([]);
    rmdirSync(blocker);
    await s.review.upsert('desk', 'spam', nine);
    expect((await s.review.get('desk', 'spam'))?.value).toEqual(nine);
    expect(readdirSync(join(dir, 'review'))).toEqual(['desk.json']);
    s.close();
    // What a reopened store reads is what was written last.
    const again = openDirectoryStore(dir);
    expect((await again.review.get('desk', 'spam'))?.value).toEqual(nine);
    again.close();
  });

  it('a temporary file left by a crashed run is removed when the store opens', () => {
    const dir = freshDir();
    openDirectoryStore(dir).close();
    writeFileSync(join(dir, 'ledger', 'desk.json.4242.tmp'), '{"half":');
    openDirectoryStore(dir).close();
    expect(readdirSync(join(dir, 'ledger'))).toEqual([]);
  });
});
