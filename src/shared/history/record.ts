/**
 * Writes one mailbox run into the `history` table (state/history-port.ts) and prunes what fell out of the window,
 * in one entity-group transaction: the run row, the day row folded with this run, and the deletes of rows older
 * than 30 days; beside it the mailbox's summary row for the overview (history/summary.ts). The check run calls it
 * under the mailbox's lease, so a mailbox's history has a single writer.
 *
 * Cost per run: four small reads sent together (the latest day row, the summary row, rows past the window — usually
 * none — of both kinds), then the batch and the summary upsert together: two round trips.
 */
import { worstStatus, type CheckName, type CheckResult } from '../contracts.js';
import type {
  HistoryDayEntity,
  HistoryEntity,
  HistoryHour,
  HistoryMetrics,
  HistoryRunEntity,
  HistorySummaryEntity,
  HistoryTables,
} from '../state/history-port.js';
import { MAX_TRANSACTION_OPERATIONS, type TransactionOp } from '../state/ports.js';
import {
  DAY_END,
  DAY_PREFIX,
  HISTORY_DAYS,
  RUN_END,
  SUMMARY_PARTITION,
  dayKey,
  daysBefore,
  DAY_MS,
  runKey,
  utcDay,
} from './keys.js';
import { foldSummary, summaryFromDays } from './summary.js';

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

/**
 * Whether `summary` was folded from the same run as the latest stored day row: only then can this run fold it
 * further. A lost write of either (they are two requests) shows here as a mismatch.
 */
function inStep(summary: HistorySummaryEntity | undefined, previous: HistoryDayEntity | undefined): boolean {
  return summary ? summary.at === previous?.last.at : previous === undefined;
}

/**
 * Records one run: its run row, its day row and the deletes of rows past the window in one entity-group
 * transaction (runs older than `HISTORY_DAYS` days, day rows older than `HISTORY_DAYS` + 1 days), and the mailbox's
 * summary row beside it (another partition, so another request, sent at the same time).
 */
export async function recordHistory(
  store: HistoryTables,
  mailboxId: string,
  results: readonly CheckResult[],
  at: Date,
): Promise<{ pruned: number }> {
  const table = store.history;
  const run = runEntity(results, at);
  // The day row before the window's first day stays one more day: the 24-h sparkline can reach into it.
  const keepFromDay = daysBefore(utcDay(at), HISTORY_DAYS);
  const room = MAX_TRANSACTION_OPERATIONS - 2;
  const [[latest], stored, oldRuns, oldDays] = await Promise.all([
    table.range(mailboxId, { from: DAY_PREFIX, to: DAY_END, limit: 1 }),
    table.get(SUMMARY_PARTITION, mailboxId),
    table.range(mailboxId, {
      from: runKey(new Date(at.getTime() - HISTORY_DAYS * DAY_MS)),
      to: RUN_END,
      limit: room,
    }),
    table.range(mailboxId, { from: dayKey(daysBefore(keepFromDay, 1)), to: DAY_END, limit: room }),
  ]);
  const previous = latest?.value.kind === 'day' ? latest.value : undefined;
  const day = foldDay(previous, run);
  const prior = stored?.value.kind === 'summary' ? stored.value : undefined;
  let summary: HistorySummaryEntity;
  if (inStep(prior, previous)) summary = foldSummary(prior, day);
  else {
    // Rebuilt from the day rows (one more range read, only in this case): the window's days plus today's.
    const rows = await table.range(mailboxId, { from: DAY_PREFIX, to: DAY_END, limit: HISTORY_DAYS + 2 });
    const days = rows.flatMap((r) => (r.value.kind === 'day' && r.value.day < day.day ? [r.value] : []));
    summary = summaryFromDays([...days.reverse(), day])!;
  }
  const ops: Array<TransactionOp<HistoryEntity>> = [
    { op: 'upsert', rowKey: runKey(at), value: run },
    { op: 'upsert', rowKey: dayKey(day.day), value: day },
    ...[...oldRuns, ...oldDays.slice(0, Math.max(0, room - oldRuns.length))].map((r) => ({
      op: 'delete' as const,
      rowKey: r.rowKey,
    })),
  ];
  const [out] = await Promise.all([
    table.transact(mailboxId, ops),
    table.upsert(SUMMARY_PARTITION, mailboxId, summary),
  ]);
  // Deletes without an etag only conflict when a row vanished in between (another prune): write without them.
  if (!out.ok) await table.transact(mailboxId, ops.slice(0, 2));
  return { pruned: out.ok ? ops.length - 2 : 0 };
}
