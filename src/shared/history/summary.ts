/**
 * The overview's summary row of one mailbox (`history` partition `~summary`, see state/history-port.ts): each run
 * folds it from the day row it has just folded, so keeping it costs the run one small read and one small write and
 * no read of older history. When it is missing or behind the day rows (the first run after an upgrade, a write that
 * failed), the run rebuilds it from the day rows instead (history/record.ts); folding day rows one by one from
 * nothing is that rebuild, so both ways give the same row.
 *
 * Size: a healthy day is `["OK",288]`; the row of a mailbox is well under 1 kB, against 30 day rows of 2–3 kB each
 * (their hourly samples are for the mailbox page only).
 */
import { CHECK_NAMES, type CheckName, type Status } from '../contracts.js';
import type { HistoryDayEntity, HistorySummaryEntity, SummaryDay } from '../state/history-port.js';
import { HISTORY_DAYS, HOUR_MS, daysBefore } from './keys.js';

/** One UTC day's counts, as a day row holds them. */
export interface DayCounts {
  worst: Status;
  runs: number;
  checks: Partial<Record<CheckName, { runs: number; ok: number }>>;
}

/** Checks in the registry's order; names this version does not know (from a newer writer) after them. */
function ordered(names: Iterable<string>): CheckName[] {
  const rank = (c: string) => {
    const i = (CHECK_NAMES as readonly string[]).indexOf(c);
    return i < 0 ? CHECK_NAMES.length : i;
  };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)) as CheckName[];
}

export function encodeDay(d: DayCounts, checks: readonly CheckName[]): SummaryDay {
  const reported = checks.map((c) => d.checks[c]?.runs ?? 0);
  const notOk = checks.map((c) => {
    const x = d.checks[c];
    return x ? x.runs - x.ok : 0;
  });
  if (reported.some((n) => n !== d.runs)) return [d.worst, d.runs, notOk, reported];
  if (notOk.some((n) => n > 0)) return [d.worst, d.runs, notOk];
  return [d.worst, d.runs];
}

export function decodeDay(d: SummaryDay, checks: readonly CheckName[]): DayCounts {
  const [worst, runs, notOk, reported] = d;
  const out: DayCounts = { worst, runs, checks: {} };
  checks.forEach((c, i) => {
    const n = reported?.[i] ?? runs;
    if (n > 0) out.checks[c] = { runs: n, ok: n - (notOk?.[i] ?? 0) };
  });
  return out;
}

/** The summary's days by UTC day (`YYYY-MM-DD`). */
export function summaryDays(s: HistorySummaryEntity): Map<string, DayCounts> {
  const latest = s.at.slice(0, 10);
  const out = new Map<string, DayCounts>();
  s.days.forEach((d, i) => {
    if (d) out.set(daysBefore(latest, i), decodeDay(d, s.checks));
  });
  return out;
}

/** The hour (ms since epoch / HOUR_MS) of an ISO time. */
const hourOf = (iso: string) => Math.floor(Date.parse(iso) / HOUR_MS);

/**
 * The summary after one more run: `day` is the day row that run has just folded (its `last` is the run), `prev` the
 * summary as of the run before (undefined for a mailbox's first run). Days past the window fall out.
 */
export function foldSummary(
  prev: HistorySummaryEntity | undefined,
  day: HistoryDayEntity,
): HistorySummaryEntity {
  const counts = prev ? summaryDays(prev) : new Map<string, DayCounts>();
  counts.set(day.day, { worst: day.worst, runs: day.runs, checks: day.checks });
  const kept = Array.from({ length: HISTORY_DAYS }, (_, i) => counts.get(daysBefore(day.day, i)));
  const checks = ordered(kept.flatMap((k) => (k ? Object.keys(k.checks) : [])));
  const days = kept.map((k) => (k ? encodeDay(k, checks) : null));
  while (days.length && days[days.length - 1] === null) days.pop();
  // Hours of the run's day come from its day row (every run of that day is in it); earlier ones from `prev`.
  const hour = hourOf(day.last.at);
  const dayStart = Date.parse(`${day.day}T00:00:00Z`) / HOUR_MS;
  const prevHour = prev ? hourOf(prev.at) : 0;
  const quota24h = Array.from({ length: 24 }, (_, i): number | null => {
    const h = hour - 23 + i;
    if (h >= dayStart) return day.hours[h - dayStart]?.quotaPercent ?? null;
    const j = 23 - (prevHour - h);
    return prev && j >= 0 && j < 24 ? (prev.quota24h[j] ?? null) : null;
  });
  const m = day.last.metrics;
  return {
    kind: 'summary',
    at: day.last.at,
    worst: day.last.worst,
    since: day.since,
    ...(m.quotaPercent !== undefined ? { quotaPercent: m.quotaPercent } : {}),
    ...(m.junkUnreviewed !== undefined ? { junkUnreviewed: m.junkUnreviewed } : {}),
    checks,
    days,
    quota24h,
  };
}

/** The summary from a mailbox's day rows, oldest first (undefined without any). */
export function summaryFromDays(rows: readonly HistoryDayEntity[]): HistorySummaryEntity | undefined {
  return rows.reduce<HistorySummaryEntity | undefined>((s, d) => foldSummary(s, d), undefined);
}
