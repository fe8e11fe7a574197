/**
 * The sent-quota ledger in the `ledger` table (`state/ports.ts`): one partition per mailbox holding minute
 * buckets (messages, recipients), hour rows summing them (ledger-view.ts: what a run reads) and the Sent Items
 * watermark (UIDVALIDITY, last UID).
 *
 * Why this shape: counting must survive crashes without losing or double-counting. New messages are applied in
 * UID order, in entity-group transactions of at most 100 operations, and every transaction also moves the
 * watermark to the last UID it counted. A transaction lands entirely or not at all, so after a crash the stored
 * buckets and hour rows are exactly the counts of every UID up to the stored watermark, and the next run resumes
 * after it. An hour row is upserted in the same transaction as every minute bucket it sums, so it always equals
 * their sum; counts within a generation only grow, so its busiest minute is the larger of the old busiest and the
 * minute just updated.
 *
 * Bucket row keys carry a generation (`b-<uidValidity>.<ms>-<yyyymmddhhmm>`, `h-…-<yyyymmddhh>`): when the folder is
 * recreated (UIDVALIDITY changes), another folder is read, the watermark is missing or predates hour rows, the last
 * 24 h are recounted into a fresh generation and the old generation's rows are simply not counted (and pruned) —
 * no multi-transaction reset to get wrong. The watermark names the generation; its first transaction switches to it
 * atomically.
 */
import type {
  LedgerBucketEntity,
  LedgerEntity,
  LedgerHourEntity,
  LedgerWatermarkEntity,
  Stored,
} from '../state/ports.js';
import { MAX_TRANSACTION_OPERATIONS, type TransactionOp } from '../state/ports.js';
import {
  WATERMARK_ROW,
  bucketRowKey,
  countingWatermark,
  emptyView,
  ensureRows,
  hourRowKey,
  type LedgerState,
  type LedgerTable,
} from './ledger-view.js';
import { HOUR_MS, RETENTION_MS, floorMinute } from './window.js';

export {
  WATERMARK_ROW,
  bucketRowKey,
  countingWatermark,
  hourRowKey,
  predatesHourRows,
  readLedger,
  summarizeLedger,
  type LedgerState,
} from './ledger-view.js';
export { pruneLedger } from './ledger-prune.js';

export interface SentMessage {
  uid: number;
  /** INTERNALDATE (or the Date header): when it was sent. */
  date: Date;
  /** To + Cc + Bcc, non-unique (Exchange counts per message). */
  recipients: number;
}

export interface RecordInput {
  folder: string;
  uidValidity: number;
  /** New messages, every UID above the watermark (sorted here by UID). */
  messages: readonly SentMessage[];
  /** The watermark to end at even without messages (UIDNEXT − 1 at EXAMINE), so empty UID ranges are not re-read. */
  finalLastUid: number;
  /** Start a new generation even if the UIDVALIDITY is unchanged (the scan recounted: watermark lost, other folder). */
  recount?: boolean;
  now: Date;
}

export interface RecordOutcome {
  transactions: number;
  counted: number;
  /**
   * Another writer moved the watermark meanwhile (should not happen under the lease): stopped, nothing lost. The
   * state's view is then dropped — read the ledger again.
   */
  conflict: boolean;
}

/**
 * Counts new messages into the ledger (see the module comment for why it is crash-safe). On success `state` is
 * the ledger as recorded — watermark and view — so the caller summarizes without reading it again.
 */
export async function recordMessages(
  table: LedgerTable,
  mailbox: string,
  state: LedgerState,
  input: RecordInput,
): Promise<RecordOutcome> {
  const counting = countingWatermark(state);
  const fresh = !!input.recount || !counting || counting.uidValidity !== input.uidValidity;
  if (!fresh && !state.view) throw new Error('recordMessages needs the ledger as readLedger gives it');
  // A fresh generation has rows of its own, so nothing of an earlier count can ever be added to.
  const gen = fresh ? `${input.uidValidity}.${input.now.getTime()}` : counting!.generation;
  const view = fresh ? emptyView(gen, true) : state.view!;
  // Until the run ends well, the view holds counts that may not be stored: nobody may sum it.
  state.view = undefined;
  // A new generation's old-generation rows go at the next pruning pass, which its missing prunedAt makes this run's.
  const prunedAt = fresh ? undefined : counting!.prunedAt;
  let watermark = fresh ? undefined : counting;
  const startUid = watermark?.lastUid ?? 0;
  const oldest = input.now.getTime() - RETENTION_MS;
  const messages = [...input.messages].filter((m) => m.uid > startUid).sort((a, b) => a.uid - b.uid);
  const kept = (m: SentMessage) => m.date.getTime() >= oldest; // false for an invalid date too
  await ensureRows(
    table,
    mailbox,
    view,
    messages.filter(kept).map((m) => floorMinute(m.date).getTime()),
  );

  const out: RecordOutcome = { transactions: 0, counted: 0, conflict: false };
  let pending = new Map<string, LedgerBucketEntity | LedgerHourEntity>();
  let pendingCount = 0;
  let lastUid = startUid;

  const flush = async (toUid: number): Promise<boolean> => {
    const wm: LedgerWatermarkEntity = {
      kind: 'watermark',
      folder: input.folder,
      uidValidity: input.uidValidity,
      generation: gen,
      lastUid: toUid,
      updatedAt: input.now.toISOString(),
      hourRows: true,
      ...(prunedAt ? { prunedAt } : {}),
    };
    const ops: Array<TransactionOp<LedgerEntity>> = [...pending].map(([rowKey, value]) => ({
      op: 'upsert' as const,
      rowKey,
      value,
    }));
    // The watermark is etag-guarded: two writers can never both advance from the same point.
    const stored = state.watermark;
    ops.push(
      stored
        ? { op: 'replace', rowKey: WATERMARK_ROW, value: wm, etag: stored.etag }
        : { op: 'create', rowKey: WATERMARK_ROW, value: wm },
    );
    const res = await table.transact(mailbox, ops);
    if (!res.ok) {
      out.conflict = true;
      return false;
    }
    out.transactions++;
    out.counted += pendingCount;
    const again = await table.get(mailbox, WATERMARK_ROW);
    state.watermark = again as Stored<LedgerWatermarkEntity> | undefined;
    watermark = state.watermark?.value;
    pending = new Map();
    pendingCount = 0;
    return true;
  };

  for (const m of messages) {
    if (kept(m)) {
      const minute = floorMinute(m.date).getTime();
      const hour = Math.floor(minute / HOUR_MS) * HOUR_MS;
      const rk = bucketRowKey(gen, minute);
      const hk = hourRowKey(gen, hour);
      // One slot stays free for the watermark; rows that would not fit close the transaction first.
      const added = (pending.has(rk) ? 0 : 1) + (pending.has(hk) ? 0 : 1);
      if (added > 0 && pending.size + added + 1 > MAX_TRANSACTION_OPERATIONS)
        if (!(await flush(lastUid))) return out;
      const b = view.minutes.get(minute) ?? {
        kind: 'bucket' as const,
        generation: gen,
        minute: new Date(minute).toISOString(),
        messages: 0,
        recipients: 0,
      };
      b.messages += 1;
      b.recipients += m.recipients;
      view.minutes.set(minute, b);
      const h = view.hours.get(hour) ?? {
        kind: 'hour' as const,
        generation: gen,
        hour: new Date(hour).toISOString(),
        messages: 0,
        recipients: 0,
        busiestMinute: b.minute,
        busiestMessages: 0,
      };
      h.messages += 1;
      h.recipients += m.recipients;
      // Every other minute of the hour is ≤ the old busiest, and only this one grew.
      const busiest = Date.parse(h.busiestMinute);
      if (b.messages > h.busiestMessages || (b.messages === h.busiestMessages && minute < busiest)) {
        h.busiestMessages = b.messages;
        h.busiestMinute = b.minute;
      }
      view.hours.set(hour, h);
      pending.set(rk, { ...b });
      pending.set(hk, { ...h });
    }
    pendingCount++;
    lastUid = m.uid;
  }
  const target = Math.max(lastUid, input.finalLastUid);
  if (pending.size > 0 || pendingCount > 0 || !watermark || target > watermark.lastUid) {
    if (!(await flush(target))) return out;
  }
  state.view = view;
  return out;
}
