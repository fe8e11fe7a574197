/**
 * The state port: five tables, each a partition per mailbox, with optimistic concurrency by
 * etag. Two implementations — Azure Table Storage (`table-store.ts`) and memory (`memory-store.ts`) — pass one
 * contract suite (`test/state/store-contract.ts`), so the checks, the lease and the alert policy never know which
 * one they talk to.
 *
 * Values are plain JSON objects; the Table implementation stores them as one JSON property because the entities
 * are read whole by the monitor and never queried by column (and Table Storage has no nested types).
 */
import type { CheckName, CheckResult, Status } from '../contracts.js';
import type { HistoryTableEntities, HistoryTables, RangeTablePort } from './history-port.js';
import { HISTORY_TABLE_NAMES } from './history-port.js';

/** The tables, each described at its entity below. */
export const TABLE_NAMES = [
  'status',
  'alerts',
  'ledger',
  'leases',
  'review',
  'actions',
  'slots',
  ...HISTORY_TABLE_NAMES,
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/** Entity group transactions are limited to 100 operations (Azure Table Storage). */
export const MAX_TRANSACTION_OPERATIONS = 100;

/** `status`: PK mailbox, RK check → last result, since when the status holds, consecutive failures. */
export interface StatusEntity {
  check: CheckName;
  status: Status;
  result: CheckResult;
  /** ISO time the current status began. */
  since: string;
  /** Consecutive non-OK results (0 when OK). */
  consecutiveFailures: number;
}

/** `alerts`: PK mailbox, RK check → what was last notified. Written only after a send succeeded. */
export interface AlertEntity {
  check: CheckName;
  triggered: boolean;
  /** The status last notified (OK after a resolve notice). */
  severity: Status;
  lastNotifiedAt?: string;
  /** When the current alert was first sent. */
  triggeredAt?: string;
}

/** `ledger`: one minute bucket of what a mailbox sent (RK `b-<generation>-<yyyymmddhhmm>`). */
export interface LedgerBucketEntity {
  kind: 'bucket';
  /** The counting generation (see quota/ledger.ts): buckets of another generation do not count. */
  generation: string;
  /** ISO minute start (UTC). */
  minute: string;
  messages: number;
  recipients: number;
}

/**
 * `ledger`: one UTC hour of a generation's minute buckets, summed (RK `h-<generation>-<yyyymmddhh>`), written in the
 * same transaction as the buckets it sums, so a run reads ≤ 25 of these instead of every minute of the day.
 */
export interface LedgerHourEntity {
  kind: 'hour';
  generation: string;
  /** ISO hour start (UTC). */
  hour: string;
  messages: number;
  recipients: number;
  /** The hour's earliest minute with the most messages (ISO), and that count. */
  busiestMinute: string;
  busiestMessages: number;
}

/** `ledger`: the Sent Items watermark (RK `watermark`), advanced in the same transaction as the buckets it counts. */
export interface LedgerWatermarkEntity {
  kind: 'watermark';
  folder: string;
  uidValidity: number;
  /** `<uidValidity>.<ms>`: a new one starts with every recount. */
  generation: string;
  lastUid: number;
  updatedAt: string;
  /**
   * The generation keeps hour rows. A watermark without it was written before they existed: its generation is
   * recounted into a new one rather than summed from hours that were never built.
   */
  hourRows?: true;
  /**
   * ISO time of the last completed pruning pass (at most one an hour); absent from a new generation's first
   * transaction until a pass over the whole partition removed the rows of the generations before it.
   */
  prunedAt?: string;
}
export type LedgerEntity = LedgerBucketEntity | LedgerHourEntity | LedgerWatermarkEntity;

/** `leases`: PK mailbox, RK `run` → who runs the mailbox until when. */
export interface LeaseEntity {
  holder: string;
  until: string;
  acquiredAt: string;
}

/** `review`: PK mailbox, RK `spam` → last spam review and weekly junk counts for the digest's chart. */
export interface ReviewEntity {
  lastReviewAt?: string;
  /** ISO week start (Monday, UTC date) → junk messages counted that week; oldest trimmed by the writer. */
  weeklyJunk: Array<{ week: string; junkMessages: number }>;
}

/**
 * `slots`: PK the timer function (`dispatchChecks`, `spamReview`), RK what the slot covers (`_all`, or a mailbox
 * id) → the latest schedule occurrence claimed. Written by an etag-guarded insert-if-absent / replace-if-older, so
 * two runs of one slot (the host's catch-up run after a restart) cannot both claim it (see cycle/schedule-slot.ts).
 */
export interface SlotEntity {
  /** ISO time of the schedule occurrence (seconds precision, UTC). */
  slot: string;
  /** The run that claimed it. */
  runId: string;
  claimedAt: string;
}

// ── actions: single-use action links and their audit ──────────────────────────────────────────────────────────
/** What one message of an action came to. */
export type ActionItemOutcome = 'moved' | 'already-there' | 'not-found' | 'failed' | 'pending';

/**
 * `actions`: PK mailbox, RK the link's nonce → the claim of a single-use action link and, once done, its audit
 * record. Created with insert-if-absent BEFORE anything moves (a second create of the same nonce is `exists`).
 */
export interface ActionEntity {
  action: 'release' | 'move-oversized';
  /** claimed: being carried out (or crashed while carried out); done; failed: see `moveAttempted`. */
  state: 'claimed' | 'done' | 'failed';
  /** false when the failure came before any MOVE was sent: the link may then be used again. */
  moveAttempted: boolean;
  claimedAt: string;
  finishedAt?: string;
  folder: string;
  destination: string;
  /** From the signed link. */
  issuedAt: string;
  expiresAt: string;
  keyUsed: 'current' | 'previous';
  /** The signed-in user (platform authentication in front of the app), when there is one. */
  user?: string;
  items: Array<{
    uid: number;
    messageId: string;
    subject: string;
    from: string;
    outcome: ActionItemOutcome;
  }>;
  /** One line in words (no secret): what happened. */
  summary?: string;
  /** Why the mailbox could not be reached, as the checks report it (our code, the summary, the fix). */
  fault?: { code: string; message: string; fix?: string };
}

export interface TableEntities extends HistoryTableEntities {
  status: StatusEntity;
  alerts: AlertEntity;
  ledger: LedgerEntity;
  leases: LeaseEntity;
  review: ReviewEntity;
  slots: SlotEntity;
  actions: ActionEntity;
}

export interface Stored<T> {
  partitionKey: string;
  rowKey: string;
  etag: string;
  value: T;
}

/** Outcome of a conditional write: a lost race is a value, not an exception (the caller re-reads and retries). */
export type WriteOutcome =
  { ok: true; etag: string } | { ok: false; reason: 'conflict' | 'exists' | 'missing' };

/** One operation of an entity-group transaction (all in one partition, atomic, at most 100). */
export type TransactionOp<T> =
  | { op: 'create'; rowKey: string; value: T }
  | { op: 'upsert'; rowKey: string; value: T }
  | { op: 'replace'; rowKey: string; value: T; etag: string }
  | { op: 'delete'; rowKey: string; etag?: string };

export type TransactionOutcome = { ok: true } | { ok: false; reason: 'conflict' };

export interface TablePort<T> {
  get(partitionKey: string, rowKey: string): Promise<Stored<T> | undefined>;
  /** Every entity of one partition, in row-key order. */
  list(partitionKey: string): Promise<Array<Stored<T>>>;
  /** Fails with `exists` when the row is already there (HTTP 409). */
  create(partitionKey: string, rowKey: string, value: T): Promise<WriteOutcome>;
  /** Replaces only when the etag still matches: `conflict` on 412, `missing` on 404. */
  replace(partitionKey: string, rowKey: string, value: T, etag: string): Promise<WriteOutcome>;
  /** Unconditional write: only for rows with a single writer (never for etag-guarded tables). */
  upsert(partitionKey: string, rowKey: string, value: T): Promise<{ etag: string }>;
  /** With an etag, deletes only that version (`conflict` otherwise); deleting a missing row is `missing`. */
  delete(partitionKey: string, rowKey: string, etag?: string): Promise<WriteOutcome>;
  /** All or nothing; any failed precondition (stale etag, existing row on create) is `conflict`. */
  transact(partitionKey: string, ops: Array<TransactionOp<T>>): Promise<TransactionOutcome>;
}

export interface StateStore extends HistoryTables {
  readonly status: TablePort<StatusEntity>;
  readonly alerts: TablePort<AlertEntity>;
  /** Read by row-key range: a run reads the hours and minutes it needs, not the whole partition. */
  readonly ledger: RangeTablePort<LedgerEntity>;
  readonly leases: TablePort<LeaseEntity>;
  readonly review: TablePort<ReviewEntity>;
  readonly slots: TablePort<SlotEntity>;
  readonly actions: TablePort<ActionEntity>;
  /** Creates the tables when missing (idempotent). */
  ensureTables(): Promise<void>;
  /** A short description for logs and `doctor` (never a key or connection string). */
  readonly description: string;
}

/** Errors of the store that are not concurrency outcomes (network, auth): carry the table and HTTP status. */
export class StateError extends Error {
  readonly code = 'ESTATE';
  constructor(
    message: string,
    readonly table: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'StateError';
  }
}
