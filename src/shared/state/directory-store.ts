/**
 * A StateStore in a local directory, for the CLI on one monitoring host (`state.tables: { "directory": "path" }`):
 * repeat `mailbox-health check` runs from cron or Nagios keep the sent-quota ledger (its Sent Items watermark),
 * statuses and alert state, so each run reads only what is new. Same semantics as Table Storage and memory (one
 * contract suite, test/state/): etags change on every write, stale etags conflict, transactions are all or
 * nothing, range reads are in row-key order.
 *
 * Layout: `<dir>/<table>/<partition>.json`, one file per table and partition (a mailbox), holding
 * `{ version, rows: { rk: { etag, value } } }`. Every write goes to a temporary file that is fsync'ed and renamed
 * over the old one (rename(2) replaces atomically), so a crash leaves the old or the new partition, never half of
 * one — which is also what makes a transaction atomic here: it is one partition file, written once.
 *
 * One process at a time (directory-lock.ts): the lock is what lets this process keep each partition it has read
 * in memory — no other writer can change the files under it — and what makes leftover temporary files safe to
 * delete when the store opens. The file system calls are synchronous: each operation runs to completion before
 * another starts, so concurrent callers in this process see the same order of writes as Table Storage would.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { lockDirectory } from './directory-lock.js';
import type { RangeTablePort, RowRange } from './history-port.js';
import {
  StateError,
  TABLE_NAMES,
  type StateStore,
  type Stored,
  type TableEntities,
  type TransactionOp,
  type TransactionOutcome,
  type WriteOutcome,
} from './ports.js';
import { assertTransactionShape, preconditionsHold } from './transaction-rules.js';

export { StoreLockedError } from './directory-lock.js';

interface PartitionFile<T> {
  /** Bumped by every write: the etags are `W/"dir-<version>"`, unique within the partition. */
  version: number;
  rows: Record<string, { etag: string; value: T }>;
}

const TMP_SUFFIX = '.tmp';

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}${TMP_SUFFIX}`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd); // the data is on disk before the rename makes it the partition
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    // Disk full or the like: the old partition stays as it was; a half-written copy goes.
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* not ours to remove (something else of that name is in the way): the write failed either way */
    }
    throw err;
  }
}

/**
 * Partition keys become file names: everything outside `[a-z0-9_-]` is `%XX` (UTF-8), upper case included, so
 * two keys never share a file on a case-insensitive file system (Windows, macOS) and `.`/`/` cannot escape.
 */
export function partitionFileName(pk: string): string {
  let out = '';
  for (const byte of Buffer.from(pk, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[a-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${out || '%'}.json`;
}

class DirectoryTable<T> implements RangeTablePort<T> {
  /** Partitions read so far: this process holds the lock, so nobody else changes them. */
  readonly #cache = new Map<string, PartitionFile<T>>();

  constructor(
    private readonly dir: string,
    private readonly table: string,
  ) {}

  #file(pk: string): string {
    return join(this.dir, partitionFileName(pk));
  }

  #read(pk: string): PartitionFile<T> {
    const cached = this.#cache.get(pk);
    if (cached) return cached;
    let file: PartitionFile<T>;
    try {
      file = JSON.parse(readFileSync(this.#file(pk), 'utf8')) as PartitionFile<T>;
      if (typeof file?.version !== 'number' || typeof file.rows !== 'object' || file.rows === null)
        throw new Error('not a partition file');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new StateError(`cannot read ${this.#file(pk)}: ${(err as Error).message}`, this.table);
      file = { version: 0, rows: {} };
    }
    this.#cache.set(pk, file);
    return file;
  }

  /** Writes a changed copy of the partition; only once it is on disk does it become the cached one. */
  #write(pk: string, next: PartitionFile<T>): void {
    try {
      writeAtomic(this.#file(pk), JSON.stringify(next));
    } catch (err) {
      throw new StateError(`cannot write ${this.#file(pk)}: ${(err as Error).message}`, this.table);
    }
    this.#cache.set(pk, next);
  }

  /** A copy of the partition to change: the cached one stays as on disk until the write succeeded. */
  #draft(pk: string): PartitionFile<T> {
    const cur = this.#read(pk);
    return { version: cur.version, rows: { ...cur.rows } };
  }

  #etag(file: PartitionFile<T>): string {
    file.version += 1;
    return `W/"dir-${file.version}"`;
  }

  #stored(pk: string, rk: string, row: { etag: string; value: T }): Stored<T> {
    return { partitionKey: pk, rowKey: rk, etag: row.etag, value: structuredClone(row.value) };
  }

  async get(pk: string, rk: string): Promise<Stored<T> | undefined> {
    const row = this.#read(pk).rows[rk];
    return row ? this.#stored(pk, rk, row) : undefined;
  }

  async list(pk: string): Promise<Array<Stored<T>>> {
    const f = this.#read(pk);
    return Object.keys(f.rows)
      .sort()
      .map((rk) => this.#stored(pk, rk, f.rows[rk]!));
  }

  async range(pk: string, r: RowRange): Promise<Array<Stored<T>>> {
    const f = this.#read(pk);
    const keys = Object.keys(f.rows)
      .filter((rk) => rk >= r.from && rk < r.to)
      .sort();
    return keys.slice(0, r.limit ?? keys.length).map((rk) => this.#stored(pk, rk, f.rows[rk]!));
  }

  async create(pk: string, rk: string, value: T): Promise<WriteOutcome> {
    if (this.#read(pk).rows[rk]) return { ok: false, reason: 'exists' };
    const f = this.#draft(pk);
    const etag = this.#etag(f);
    f.rows[rk] = { etag, value: structuredClone(value) };
    this.#write(pk, f);
    return { ok: true, etag };
  }

  async replace(pk: string, rk: string, value: T, etag: string): Promise<WriteOutcome> {
    const row = this.#read(pk).rows[rk];
    if (!row) return { ok: false, reason: 'missing' };
    if (row.etag !== etag) return { ok: false, reason: 'conflict' };
    const f = this.#draft(pk);
    const next = this.#etag(f);
    f.rows[rk] = { etag: next, value: structuredClone(value) };
    this.#write(pk, f);
    return { ok: true, etag: next };
  }

  async upsert(pk: string, rk: string, value: T): Promise<{ etag: string }> {
    const f = this.#draft(pk);
    const etag = this.#etag(f);
    f.rows[rk] = { etag, value: structuredClone(value) };
    this.#write(pk, f);
    return { etag };
  }

  async delete(pk: string, rk: string, etag?: string): Promise<WriteOutcome> {
    const row = this.#read(pk).rows[rk];
    if (!row) return { ok: false, reason: 'missing' };
    if (etag !== undefined && row.etag !== etag) return { ok: false, reason: 'conflict' };
    const f = this.#draft(pk);
    delete f.rows[rk];
    this.#write(pk, f);
    return { ok: true, etag: row.etag };
  }

  async transact(pk: string, ops: Array<TransactionOp<T>>): Promise<TransactionOutcome> {
    if (ops.length === 0) return { ok: true };
    assertTransactionShape(ops);
    const cur = this.#read(pk);
    // Every precondition first, then one write of the whole partition: all or nothing, also across a crash.
    if (!preconditionsHold(ops, (rk) => cur.rows[rk])) return { ok: false, reason: 'conflict' };
    const f = this.#draft(pk);
    for (const o of ops) {
      if (o.op === 'delete') delete f.rows[o.rowKey];
      else f.rows[o.rowKey] = { etag: this.#etag(f), value: structuredClone(o.value) };
    }
    this.#write(pk, f);
    return { ok: true };
  }
}

export interface DirectoryStore extends StateStore {
  /** Releases the directory's lock; the store must not be used afterwards. Idempotent. */
  close(): void;
}

/** Temporary files left by a run that crashed mid-write (only this process writes while it holds the lock). */
function sweepTemporaryFiles(tableDir: string): void {
  for (const name of readdirSync(tableDir))
    if (name.endsWith(TMP_SUFFIX)) rmSync(join(tableDir, name), { force: true, recursive: true });
}

/**
 * Opens (creating when missing, mode 0700: the ledger and alert state are the monitor's own) the state directory
 * and locks it for this process; a held lock throws StoreLockedError naming the lock file.
 */
export function openDirectoryStore(directory: string): DirectoryStore {
  const dir = resolve(directory);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StateError(`cannot create state directory ${dir}: ${(err as Error).message}`, 'directory');
  }
  const unlock = lockDirectory(dir);
  try {
    for (const t of TABLE_NAMES) {
      mkdirSync(join(dir, t), { recursive: true, mode: 0o700 });
      sweepTemporaryFiles(join(dir, t));
    }
  } catch (err) {
    unlock();
    throw new StateError(`cannot prepare state directory ${dir}: ${(err as Error).message}`, 'directory');
  }
  const table = <K extends keyof TableEntities>(name: K) =>
    new DirectoryTable<TableEntities[K]>(join(dir, name), name);
  return {
    status: table('status'),
    alerts: table('alerts'),
    ledger: table('ledger'),
    leases: table('leases'),
    review: table('review'),
    slots: table('slots'),
    actions: table('actions'),
    history: table('history'),
    async ensureTables() {},
    description: `directory ${dir}`,
    close: unlock,
  };
}
