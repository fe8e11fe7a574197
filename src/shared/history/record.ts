/**
 * Writes one mailbox run into the `history` table (state/history-port.ts) and prunes what fell out of the window,
 * in one entity-group transaction: the run row, the day row folded with this run, and the deletes of rows older
 * than 30 days. The check run calls it under the mailbox's lease, so a mailbox's history has a single writer.
 *
 * Cost per run: two small range reads (the latest day row; rows past the window, usually none) and one batch.
 */
import { worstStatus, type CheckName, type CheckResult } from '../contracts.js';
import type {
  HistoryDayEntity,
  HistoryEntity,
  HistoryHour,
  HistoryMetrics,
  HistoryRunEntity,
  HistoryTables,
} from '../state/history-port.js';
import { MAX_TRANSACTION_OPERATIONS, type TransactionOp } from '../state/ports.js';
import {
  DAY_END,
  DAY_PREFIX,
  HISTORY_DAYS,
  RUN_END,
  dayKey,
  daysBefore,
  DAY_MS,
  runKey,
  utcDay,
} from './keys.js';

const HOUR_METRICS = ['oldestWaitingMinutes', 'quotaPercent', 'junkArrivals24h', 'junkUnreviewed'] as const;

function metric(results: readonly CheckResult[], check: CheckName, name: string): number | undefined {
  const v = results.find((r) => r.check === check)?.metrics[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The run row of a mailbox run: its worst status, each check's status and the charted metrics. */
export function runEntity(results: readonly CheckResult[], at: Date): HistoryRunEntity {
  const checks: HistoryRunEntity['checks'] = {};
  for (const r of results) checks[r.check] = r.status;
  const waiting = metric(results, 'inbox', 'oldestWaitingSeconds');
  const m: HistoryMetrics = {
    oldestWaitingMinutes: waiting === undefined ? undefined : Math.round(waiting / 6) / 10,
    junkUnreviewed: metric(results, 'junk', 'junkUnreviewed'),
    junkArrivals24h: metric(results, 'junk', 'junkArrivals24h'),
    quotaPercent: metric(results, 'sent-quota', 'quotaPercent'),
    loginMs: metric(results, 'imap-login', 'loginMs'),
  };
  const metrics = Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as HistoryMetrics;
  return {
    kind: 'run',
    at: at.toISOString(),
    worst: worstStatus(results.map((r) => r.status)),
    checks,
    metrics,
  };
}

function foldHour(prev: HistoryHour | null | undefined, m: HistoryMetrics): HistoryHour | null {
  const out: HistoryHour = { ...(prev ?? {}) };
  let any = prev != null;
  for (const k of HOUR_METRICS) {
    const v = m[k];
    if (v === undefined) continue;
    out[k] = Math.max(out[k] ?? v, v);
    any = true;
  }
  return any ? out : null;
}

/** The day row after one more run: `previous` is the latest stored day row (any day), if any. */
export function foldDay(previous: HistoryDayEntity | undefined, run: HistoryRunEntity): HistoryDayEntity {
  const day = run.at.slice(0, 10);
  const same = previous?.day === day ? previous : undefined;
  const since = previous && previous.last.worst === run.worst ? previous.since : run.at;
  const checks: HistoryDayEntity['checks'] = structuredClone(same?.checks ?? {});
  for (const [check, status] of Object.entries(run.checks) as Array<[CheckName, string]>) {
    const c = (checks[check] ??= { runs: 0, ok: 0 });
    c.runs += 1;
    if (status === 'OK') c.ok += 1;
  }
  const hours = same ? [...same.hours] : Array<HistoryHour | null>(24).fill(null);
  const hour = new Date(run.at).getUTCHours();
  hours[hour] = foldHour(hours[hour], run.metrics);
  return {
    kind: 'day',
    day,
    worst: same ? worstStatus([same.worst, run.worst]) : run.worst,
    runs: (same?.runs ?? 0) + 1,
    checks,
    hours,
    last: run,
    since,
  };
}

/** Records one run and prunes history older than `HISTORY_DAYS` (runs) / `HISTORY_DAYS` + 1 days (day rows). */
export async function recordHistory(
  store: HistoryTables,
  mailboxId: string,
  results: readonly CheckResult[],
  at: Date,
): Promise<{ pruned: number }> {
  const table = store.history;
  const run = runEntity(results, at);
  const [latest] = await table.range(mailboxId, { from: DAY_PREFIX, to: DAY_END, limit: 1 });
  const previous = latest?.value.kind === 'day' ? latest.value : undefined;
  const day = foldDay(previous, run);
  // The day row before the window's first day stays one more day: the 24-h sparkline can reach into it.
  const keepFromDay = daysBefore(utcDay(at), HISTORY_DAYS);
  const room = MAX_TRANSACTION_OPERATIONS - 2;
  const oldRuns = await table.range(mailboxId, {
    from: runKey(new Date(at.getTime() - HISTORY_DAYS * DAY_MS)),
    to: RUN_END,
    limit: room,
  });
  const oldDays = await table.range(mailboxId, {
    from: dayKey(daysBefore(keepFromDay, 1)),
    to: DAY_END,
    limit: Math.max(0, room - oldRuns.length),
  });
  const ops: Array<TransactionOp<HistoryEntity>> = [
    { op: 'upsert', rowKey: runKey(at), value: run },
    { op: 'upsert', rowKey: dayKey(day.day), value: day },
    ...[...oldRuns, ...oldDays].map((r) => ({ op: 'delete' as const, rowKey: r.rowKey })),
  ];
  const out = await table.transact(mailboxId, ops);
  // Deletes without an etag only conflict when a row vanished in between (another prune): write without them.
  if (!out.ok) await table.transact(mailboxId, ops.slice(0, 2));
  return { pruned: out.ok ? ops.length - 2 : 0 };
}
