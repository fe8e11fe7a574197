/**
 * The sent-quota ledger in the `ledger` table (`state/ports.ts`): one partition per mailbox holding minute
 * buckets (messages, recipients) and the Sent Items watermark (UIDVALIDITY, last UID).
 *
 * Why this shape: counting must survive crashes without losing or double-counting. New messages are applied in
 * UID order, in entity-group transactions of at most 100 operations, and every transaction also moves the
 * watermark to the last UID it counted. A transaction lands entirely or not at all, so after a crash the stored
 * buckets are exactly the counts of every UID up to the stored watermark, and the next run resumes after it.
 *
 * Bucket row keys carry a generation (`b-<uidValidity>.<ms>-<yyyymmddhhmm>`): when the folder is recreated
 * (UIDVALIDITY changes), another folder is read or the watermark is missing, the last 24 h are recounted into a
 * fresh generation and the old generation's rows are simply not counted (and pruned) — no multi-transaction
 * reset to get wrong. The watermark names the generation; its first transaction switches to it atomically.
 */
import type {
  LedgerBucketEntity,
  LedgerEntity,
  LedgerWatermarkEntity,
  Stored,
  TablePort,
} from '../state/ports.js';
import { MAX_TRANSACTION_OPERATIONS, type TransactionOp } from '../state/ports.js';
import { RETENTION_MS, floorMinute, type Bucket } from './window.js';

export const WATERMARK_ROW = 'watermark';

export interface SentMessage {
  uid: number;
  /** INTERNALDATE (or the Date header): when it was sent. */
  date: Date;
  /** To + Cc + Bcc, non-unique (Exchange counts per message). */
  recipients: number;
}

export interface LedgerState {
  watermark?: Stored<LedgerWatermarkEntity>;
  buckets: Array<Stored<LedgerBucketEntity>>;
}

export function bucketRowKey(generation: string, minute: Date): string {
  const iso = floorMinute(minute).toISOString(); // 2026-11-27T14:20:00.000Z
  return `b-${generation}-${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

export async function readLedger(table: TablePort<LedgerEntity>, mailbox: string): Promise<LedgerState> {
  const rows = await table.list(mailbox);
  const state: LedgerState = { buckets: [] };
  for (const r of rows) {
    if (r.value.kind === 'watermark' && r.rowKey === WATERMARK_ROW)
      state.watermark = r as Stored<LedgerWatermarkEntity>;
    else if (r.value.kind === 'bucket') state.buckets.push(r as Stored<LedgerBucketEntity>);
  }
  return state;
}

/** The buckets that count: those of the watermark's generation. */
export function currentBuckets(state: LedgerState): Bucket[] {
  const gen = state.watermark?.value.generation;
  if (gen === undefined) return [];
  return state.buckets
    .filter((b) => b.value.generation === gen)
    .map((b) => ({
      minute: new Date(b.value.minute),
      messages: b.value.messages,
      recipients: b.value.recipients,
    }));
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
  /** Another writer moved the watermark meanwhile (should not happen under the lease): stopped, nothing lost. */
  conflict: boolean;
  /**
   * The buckets that count once recorded (the generation's, as `currentBuckets` of a fresh read would give them),
   * so the caller need not read the whole ledger again; absent after a conflict — read it then.
   */
  buckets?: Bucket[];
}

/** Counts new messages into the ledger: see the module comment for why it is crash-safe. */
export async function recordMessages(
  table: TablePort<LedgerEntity>,
  mailbox: string,
  state: LedgerState,
  input: RecordInput,
): Promise<RecordOutcome> {
  const fresh =
    !!input.recount || !state.watermark || state.watermark.value.uidValidity !== input.uidValidity;
  // A fresh generation has rows of its own, so nothing of an earlier count can ever be added to.
  const gen = fresh ? `${input.uidValidity}.${input.now.getTime()}` : state.watermark!.value.generation;
  let watermark = fresh ? undefined : state.watermark;
  const counts = new Map<string, LedgerBucketEntity>();
  if (!fresh)
    for (const b of state.buckets) if (b.value.generation === gen) counts.set(b.rowKey, { ...b.value });
  const startUid = watermark?.value.lastUid ?? 0;
  const oldest = input.now.getTime() - RETENTION_MS;
  const messages = [...input.messages].filter((m) => m.uid > startUid).sort((a, b) => a.uid - b.uid);

  const out: RecordOutcome = { transactions: 0, counted: 0, conflict: false };
  let pending = new Map<string, LedgerBucketEntity>();
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
    watermark = state.watermark;
    pending = new Map();
    pendingCount = 0;
    return true;
  };

  for (const m of messages) {
    const keep = m.date.getTime() >= oldest && !Number.isNaN(m.date.getTime());
    const rk = keep ? bucketRowKey(gen, m.date) : undefined;
    // One slot stays free for the watermark; a new bucket row that would not fit closes the transaction first.
    if (rk && !pending.has(rk) && pending.size + 1 >= MAX_TRANSACTION_OPERATIONS) {
      if (!(await flush(lastUid))) return out;
    }
    if (rk) {
      const b = counts.get(rk) ?? {
        kind: 'bucket' as const,
        generation: gen,
        minute: floorMinute(m.date).toISOString(),
        messages: 0,
        recipients: 0,
      };
      b.messages += 1;
      b.recipients += m.recipients;
      counts.set(rk, b);
      pending.set(rk, { ...b });
    }
    pendingCount++;
    lastUid = m.uid;
  }
  const target = Math.max(lastUid, input.finalLastUid);
  if (pending.size > 0 || pendingCount > 0 || !watermark || target > watermark.value.lastUid) {
    if (!(await flush(target))) return out;
  }
  out.buckets = [...counts.values()]
    .map((b) => ({ minute: new Date(b.minute), messages: b.messages, recipients: b.recipients }))
    .sort((a, b) => a.minute.getTime() - b.minute.getTime());
  return out;
}

/** Removes buckets older than 48 h and every bucket of another generation, in ≤100-operation transactions. */
export async function pruneLedger(
  table: TablePort<LedgerEntity>,
  mailbox: string,
  state: LedgerState,
  now: Date,
): Promise<number> {
  const gen = state.watermark?.value.generation;
  const oldest = now.getTime() - RETENTION_MS;
  const doomed = state.buckets.filter(
    (b) => b.value.generation !== gen || new Date(b.value.minute).getTime() < oldest,
  );
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
  return removed;
}
