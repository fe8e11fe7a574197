/**
 * The rules of an entity group transaction, shared by every adapter so they agree with Azure Table Storage: at
 * most 100 operations, each row at most once (the service rejects anything else), and — for the in-process
 * stores, which check preconditions themselves — all or nothing on etags.
 * https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
 */
import { MAX_TRANSACTION_OPERATIONS, type TransactionOp } from './ports.js';

/** Throws as Table Storage rejects a batch: too many operations, or one row touched twice. */
export function assertTransactionShape(ops: ReadonlyArray<{ rowKey: string }>): void {
  if (ops.length > MAX_TRANSACTION_OPERATIONS)
    throw new Error(`a transaction holds at most ${MAX_TRANSACTION_OPERATIONS} operations`);
  if (new Set(ops.map((o) => o.rowKey)).size !== ops.length)
    throw new Error('a transaction touches each row at most once');
}

/**
 * Whether every operation's precondition holds against the rows as they are now: create needs no row, replace
 * the row with its etag, delete the row (with its etag when one is given), upsert nothing. Checked before anything
 * is applied.
 */
export function preconditionsHold<T>(
  ops: ReadonlyArray<TransactionOp<T>>,
  rowOf: (rowKey: string) => { etag: string } | undefined,
): boolean {
  return ops.every((o) => {
    const row = rowOf(o.rowKey);
    if (o.op === 'create') return !row;
    if (o.op === 'replace') return row !== undefined && row.etag === o.etag;
    if (o.op === 'delete') return row !== undefined && (o.etag === undefined || row.etag === o.etag);
    return true; // upsert: no precondition
  });
}
