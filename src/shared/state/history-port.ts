/**
 * The `history` table of the state port: what the status page draws. Kept in its own file so the port's other
 * tables (ports.ts) change without touching it.
 *
 * PK mailbox id. Two kinds of rows, both keyed by *reverse* time so the newest sorts first and "the last N" or
 * "the last 30 days" is one range query on one partition:
 * - `r-<13 digits>`: one row per mailbox run (time, worst status, each check's status, the key metrics).
 *   A run every 5 minutes makes 8,640 of these per mailbox in 30 days — fine for a drill-down's "last 50 runs",
 *   far too many for an overview of hundreds of mailboxes.
 * - `d-<8 digits>`: one row per mailbox and UTC day, folded by each run of that day: the day's worst status, OK
 *   runs per check (uptime), hourly maxima of the charted metrics, the latest run and since when its worst status
 *   holds. A mailbox page reads ≤ 30 of these (one range query) for its charts, whatever the run interval.
 * Rows older than 30 days are deleted by the run that writes the new ones (history/record.ts); no separate job.
 *
 * One more partition, `~summary` (`~` cannot start a mailbox id), holds one row per mailbox (RK = mailbox id): what
 * the overview shows of it, rewritten by each of its runs. The overview of every mailbox is one query of that
 * partition, whatever the number of mailboxes or the run interval. Its write rate is one row per mailbox run (500
 * mailboxes every 5 minutes: under 2 a second), far below one partition's target of 2,000 entities a second
 * (Microsoft Learn, "Scalability and performance targets for Table storage").
 */
import type { CheckName, Status } from '../contracts.js';
import type { Stored, TablePort } from './ports.js';

export const HISTORY_TABLE_NAMES = ['history'] as const;

/** The few metrics the status page charts, taken from the run's CheckResults (absent when the check did not say). */
export interface HistoryMetrics {
  /** inbox: oldestWaitingSeconds / 60. */
  oldestWaitingMinutes?: number;
  /** junk: junkUnreviewed (waiting for the weekly review). */
  junkUnreviewed?: number;
  /** junk: junkArrivals24h. */
  junkArrivals24h?: number;
  /** sent-quota: quotaPercent of recipients per 24 h. */
  quotaPercent?: number;
  /** imap-login: loginMs. */
  loginMs?: number;
}

/** `history` row `r-…`: one mailbox run. */
export interface HistoryRunEntity {
  kind: 'run';
  /** ISO time the run finished. */
  at: string;
  worst: Status;
  checks: Partial<Record<CheckName, Status>>;
  metrics: HistoryMetrics;
}

/** One UTC hour of a day row: the maximum of each metric over that hour's runs. */
export type HistoryHour = Pick<
  HistoryMetrics,
  'oldestWaitingMinutes' | 'quotaPercent' | 'junkArrivals24h' | 'junkUnreviewed'
>;

/** `history` row `d-…`: one mailbox's UTC day, folded run by run. */
export interface HistoryDayEntity {
  kind: 'day';
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  /** Worst status of any run that day. */
  worst: Status;
  runs: number;
  /** Per check: runs that reported it, and of those how many were OK. */
  checks: Partial<Record<CheckName, { runs: number; ok: number }>>;
  /** Index = UTC hour; null when no run in that hour. */
  hours: Array<HistoryHour | null>;
  /** The day's latest run. */
  last: HistoryRunEntity;
  /** ISO time the latest run's worst status began (carried across days). */
  since: string;
}

/**
 * One UTC day of a summary row: its worst status, its runs, then per check (in the row's `checks` order) the runs
 * that reported it with another status than OK, and the runs that reported it at all. Both trailing arrays are left
 * out when they hold nothing new: no failure, every check in every run (a day of a healthy mailbox is `["OK",288]`).
 */
export type SummaryDay = [worst: Status, runs: number, notOk?: number[], reported?: number[]];

/** `history` row `~summary`/<mailbox id>: the overview's line of one mailbox (history/summary.ts folds it). */
export interface HistorySummaryEntity {
  kind: 'summary';
  /** The latest run: when, its worst status, since when that status holds, and two of its metrics. */
  at: string;
  worst: Status;
  since: string;
  quotaPercent?: number;
  junkUnreviewed?: number;
  /** The checks the per-day counts are about, in this order. */
  checks: CheckName[];
  /** Newest first: `days[i]` is the UTC day i days before the latest run's day; null when no run that day. */
  days: Array<SummaryDay | null>;
  /** Hourly maxima of quota % in the 24 hours ending with the latest run's hour, oldest first (null: no run). */
  quota24h: Array<number | null>;
}

export type HistoryEntity = HistoryRunEntity | HistoryDayEntity | HistorySummaryEntity;

export interface HistoryTableEntities {
  history: HistoryEntity;
}

/** Row-key bounds of a range query: `from` ≤ RK < `to`, in row-key order, at most `limit` rows. */
export interface RowRange {
  from: string;
  to: string;
  limit?: number;
}

/** A table that can also be read by row-key range (Table Storage: a filter on PartitionKey and RowKey). */
export interface RangeTablePort<T> extends TablePort<T> {
  range(partitionKey: string, range: RowRange): Promise<Array<Stored<T>>>;
}

export interface HistoryTables {
  readonly history: RangeTablePort<HistoryEntity>;
}
