/**
 * Read-modify-write with etags: a lost race (412 / 409) re-reads and re-applies the change, a bounded number of
 * times, and never overwrites blindly. Used by status, alerts and review updates; leases and the ledger have
 * their own rules on top of the same port.
 */
import type { Stored, TablePort } from './ports.js';

export class ConcurrencyError extends Error {
  readonly code = 'ECONCURRENCY';
  constructor(what: string, attempts: number) {
    super(`${what}: still conflicting after ${attempts} attempts`);
    this.name = 'ConcurrencyError';
  }
}

export interface UpdateOptions {
  attempts?: number;
}

/**
 * `change` receives the current row (or undefined) and returns the new value, or `undefined` to leave it alone.
 * Returns the stored row after the write (or the unchanged current row).
 */
export async function updateWithRetry<T>(
  table: TablePort<T>,
  partitionKey: string,
  rowKey: string,
  change: (current: Stored<T> | undefined) => T | undefined,
  options: UpdateOptions = {},
): Promise<Stored<T> | undefined> {
  const attempts = options.attempts ?? 5;
  for (let i = 0; i < attempts; i++) {
    const current = await table.get(partitionKey, rowKey);
    const value = change(current);
    if (value === undefined) return current;
    const out = current
      ? await table.replace(partitionKey, rowKey, value, current.etag)
      : await table.create(partitionKey, rowKey, value);
    if (out.ok) return { partitionKey, rowKey, etag: out.etag, value };
    // conflict / exists / missing: someone else wrote in between — read again and re-apply.
  }
  throw new ConcurrencyError(`${partitionKey}/${rowKey}`, attempts);
}
