/**
 * Pruning of the sent-quota ledger: minute buckets older than 48 h, hour rows whose every minute is, and every
 * row of another generation. Nothing here changes a count inside the window — rows of other generations are never
 * summed and the 24 h window never reaches 48 h back — so a pass late by an hour (or one that fails) only keeps rows
 * a little longer. A pass runs at most once an hour (the watermark's `prunedAt` says when the last one did):
 * - a full pass lists the whole partition (up to ~2,900 rows for a busy desk): when the watermark has no `prunedAt`,
 *   which is so from the first transaction of every new generation on (ledger.ts) until a full pass completed —
 *   rows of another generation exist only then;
 * - otherwise a routine pass reads only the current generation's rows past 48 h: two row-key ranges from the
 *   generation's first key, about an hour's worth of minutes.
 */
import type { LedgerWatermarkEntity } from '../state/ports.js';
import { MAX_TRANSACTION_OPERATIONS } from '../state/ports.js';
import {
  WATERMARK_ROW,
  bucketRowKey,
  hourRowKey,
  type LedgerState,
  type LedgerTable,
} from './ledger-view.js';
import { HOUR_MS, MINUTE_MS, RETENTION_MS } from './window.js';

/** How often a pruning pass runs. */
export const PRUNE_INTERVAL_MS = HOUR_MS;

/** Deletes what is past (see the module comment) when a pass is due; returns the rows removed. */
export async function pruneLedger(
  table: LedgerTable,
  mailbox: string,
  state: LedgerState,
  now: Date,
): Promise<number> {
  const wm = state.watermark;
  const last = wm?.value.prunedAt ? Date.parse(wm.value.prunedAt) : NaN;
  // A clock that went back (last in the future) prunes rather than waiting for it.
  if (now.getTime() - last < PRUNE_INTERVAL_MS && last <= now.getTime()) return 0;
  const gen = wm?.value.generation;
  const oldest = now.getTime() - RETENTION_MS;
  // A routine pass needs a generation that keeps hour rows and a completed full pass since it began.
  const routine = gen !== undefined && !!wm?.value.hourRows && !Number.isNaN(last);
  const rows = routine
    ? (
        await Promise.all([
          table.range(mailbox, { from: `b-${gen}-`, to: bucketRowKey(gen, oldest + MINUTE_MS) }),
          table.range(mailbox, { from: `h-${gen}-`, to: hourRowKey(gen, oldest + HOUR_MS) }),
        ])
      ).flat()
    : await table.list(mailbox);
  const doomed = rows.filter((r) => {
    const v = r.value;
    if (v.kind === 'bucket') return v.generation !== gen || Date.parse(v.minute) < oldest;
    // An hour row goes with its last minute: until then it still sums minutes that are kept.
    if (v.kind === 'hour') return v.generation !== gen || Date.parse(v.hour) + HOUR_MS - MINUTE_MS < oldest;
    return false;
  });
  let removed = 0;
  for (let i = 0; i < doomed.length; i += MAX_TRANSACTION_OPERATIONS) {
    const chunk = doomed.slice(i, i + MAX_TRANSACTION_OPERATIONS);
    // Deletions do not change any count inside the window, so they need not carry the watermark.
    const res = await table.transact(
      mailbox,
      chunk.map((b) => ({ op: 'delete' as const, rowKey: b.rowKey, etag: b.etag })),
    );
    if (res.ok) removed += chunk.length;
  }
  // Only a pass that removed everything it found counts as done (a full one may be all that finds other
  // generations). Etag-guarded like every watermark write; lost to another writer, the next run prunes again.
  if (wm && removed === doomed.length) {
    const value: LedgerWatermarkEntity = { ...wm.value, prunedAt: now.toISOString() };
    const res = await table.replace(mailbox, WATERMARK_ROW, value, wm.etag);
    if (res.ok) state.watermark = { ...wm, etag: res.etag, value };
  }
  return removed;
}
