/**
 * In-memory StateStore: for the CLI (`"tables": "memory"`), the demo and unit tests. Same semantics as Table
 * Storage — etags change on every write, stale etags conflict, transactions are all or nothing — so code tested
 * against it behaves the same against Azure. Values are cloned in and out so callers cannot mutate stored state.
 */
import type { RangeTablePort, RowRange } from './history-port.js';
import {
  type StateStore,
  type Stored,
  type TableEntities,
  type TablePort,
  type TransactionOp,
  type TransactionOutcome,
  type WriteOutcome,
} from './ports.js';
import { assertTransactionShape, preconditionsHold } from './transaction-rules.js';

interface Row<T> {
  etag: string;
  value: T;
}

/** First index in sorted `keys` whose key is ≥ `k`. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One partition's rows, with their keys kept sorted: a range read finds its rows by binary search, as Table
 * Storage finds them by key, so its cost follows the rows returned and not the partition's size (the sent-quota
 * ledger reads ~150 of a busy desk's ~3,000 rows each run, and the bench measures it on this store).
 */
class Partition<T> {
  readonly rows = new Map<string, Row<T>>();
  readonly keys: string[] = [];
  get(rk: string): Row<T> | undefined {
    return this.rows.get(rk);
  }
  has(rk: string): boolean {
    return this.rows.has(rk);
  }
  set(rk: string, row: Row<T>): void {
    if (!this.rows.has(rk)) this.keys.splice(lowerBound(this.keys, rk), 0, rk);
    this.rows.set(rk, row);
  }
  delete(rk: string): void {
    if (this.rows.delete(rk)) this.keys.splice(lowerBound(this.keys, rk), 1);
  }
}

export class MemoryTable<T> implements TablePort<T>, RangeTablePort<T> {
  readonly #rows = new Map<string, Partition<T>>();
  #version = 0;

  #partition(pk: string): Partition<T> {
    let p = this.#rows.get(pk);
    if (!p) this.#rows.set(pk, (p = new Partition()));
    return p;
  }
  #nextEtag(): string {
    this.#version += 1;
    return `W/"mem-${this.#version}"`;
  }
  #stored(pk: string, rk: string, row: Row<T>): Stored<T> {
    return { partitionKey: pk, rowKey: rk, etag: row.etag, value: structuredClone(row.value) };
  }

  async get(pk: string, rk: string): Promise<Stored<T> | undefined> {
    const row = this.#rows.get(pk)?.get(rk);
    return row ? this.#stored(pk, rk, row) : undefined;
  }

  async list(pk: string): Promise<Array<Stored<T>>> {
    const p = this.#rows.get(pk);
    if (!p) return [];
    return p.keys.map((rk) => this.#stored(pk, rk, p.get(rk)!));
  }

  async range(pk: string, r: RowRange): Promise<Array<Stored<T>>> {
    const p = this.#rows.get(pk);
    if (!p) return [];
    const from = lowerBound(p.keys, r.from);
    const to = Math.max(from, Math.min(lowerBound(p.keys, r.to), from + (r.limit ?? Infinity)));
    return p.keys.slice(from, to).map((rk) => this.#stored(pk, rk, p.get(rk)!));
  }

  async create(pk: string, rk: string, value: T): Promise<WriteOutcome> {
    const p = this.#partition(pk);
    if (p.has(rk)) return { ok: false, reason: 'exists' };
    const etag = this.#nextEtag();
    p.set(rk, { etag, value: structuredClone(value) });
    return { ok: true, etag };
  }

  async replace(pk: string, rk: string, value: T, etag: string): Promise<WriteOutcome> {
    const row = this.#rows.get(pk)?.get(rk);
    if (!row) return { ok: false, reason: 'missing' };
    if (row.etag !== etag) return { ok: false, reason: 'conflict' };
    const next = this.#nextEtag();
    this.#partition(pk).set(rk, { etag: next, value: structuredClone(value) });
    return { ok: true, etag: next };
  }

  async upsert(pk: string, rk: string, value: T): Promise<{ etag: string }> {
    const etag = this.#nextEtag();
    this.#partition(pk).set(rk, { etag, value: structuredClone(value) });
    return { etag };
  }

  async delete(pk: string, rk: string, etag?: string): Promise<WriteOutcome> {
    const p = this.#rows.get(pk);
    const row = p?.get(rk);
    if (!p || !row) return { ok: false, reason: 'missing' };
    if (etag !== undefined && row.etag !== etag) return { ok: false, reason: 'conflict' };
    p.delete(rk);
    return { ok: true, etag: row.etag };
  }

  async transact(pk: string, ops: Array<TransactionOp<T>>): Promise<TransactionOutcome> {
    if (ops.length === 0) return { ok: true };
    assertTransactionShape(ops);
    const p = this.#partition(pk);
    // Check every precondition first, then apply: all or nothing.
    if (!preconditionsHold(ops, (rk) => p.get(rk))) return { ok: false, reason: 'conflict' };
    for (const o of ops) {
      if (o.op === 'delete') p.delete(o.rowKey);
      else p.set(o.rowKey, { etag: this.#nextEtag(), value: structuredClone(o.value) });
    }
    return { ok: true };
  }
}

export function createMemoryStore(): StateStore {
  const t = <K extends keyof TableEntities>() => new MemoryTable<TableEntities[K]>();
  return {
    status: t<'status'>(),
    alerts: t<'alerts'>(),
    ledger: t<'ledger'>(),
    leases: t<'leases'>(),
    review: t<'review'>(),
    slots: t<'slots'>(),
    actions: t<'actions'>(),
    history: t<'history'>(),
    async ensureTables() {},
    description: 'memory',
  };
}
