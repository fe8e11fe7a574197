/**
 * Reads what the status pages show. The overview costs one query: the summary partition, one small row per mailbox
 * (history/summary.ts). A mailbox page reads its ≤ 30 day rows and its last 50 run rows (one range query each), its
 * status rows and its alert rows (one partition list each). Nothing here reads the rows of more than one mailbox,
 * except the summaries.
 */
import type { MailboxConfig } from '../config/load.js';
import { CHECK_NAMES, worstStatus, type CheckName, type Remediation, type Status } from '../contracts.js';
import type {
  HistoryDayEntity,
  HistoryHour,
  HistoryRunEntity,
  HistorySummaryEntity,
} from '../state/history-port.js';
import type { StateStore } from '../state/ports.js';
import {
  HISTORY_DAYS,
  HOUR_MS,
  RUN_END,
  RUN_PREFIX,
  SUMMARY_PARTITION,
  dayKey,
  daysBetween,
  windowDays,
} from './keys.js';
import { decodeDay } from './summary.js';

export type MailboxRef = Pick<MailboxConfig, 'id' | 'address' | 'tenantId'>;

export interface DayCell {
  day: string;
  /** Undefined when no run was recorded that day. */
  worst?: Status;
  runs: number;
}

export interface MailboxOverview {
  id: string;
  address: string;
  tenant: string;
  /** Worst status of the latest run; undefined when the mailbox has no history yet. */
  now?: Status;
  since?: string;
  lastRunAt?: string;
  /** HISTORY_DAYS cells, oldest first. */
  days: DayCell[];
  /** Per registered check: share of runs in the window in which it was OK (undefined when it never ran). */
  uptime: Array<{ check: CheckName; percent?: number; runs: number }>;
  quotaNow?: number;
  /** The last 24 hours' hourly maximum of quota %, oldest first (null: no run that hour). */
  quota24h: Array<number | null>;
  junkWaiting?: number;
}

export interface Point {
  /** Start of the hour (ms since epoch). */
  t: number;
  v: number;
}

export interface MailboxDetail {
  overview: MailboxOverview;
  checks: Array<{
    check: CheckName;
    status: Status;
    since: string;
    at: string;
    summary: string;
    remediation?: Remediation;
  }>;
  /** Newest first, at most RECENT_RUNS. */
  runs: HistoryRunEntity[];
  /** Hourly maxima over the window, oldest first. */
  series: Record<'oldestWaitingMinutes' | 'quotaPercent' | 'junkArrivals24h', Point[]>;
  /** Alerts sent and not yet resolved. */
  alerts: Array<{ check: CheckName; severity: Status; triggeredAt?: string; lastNotifiedAt?: string }>;
  /** Start and end of the charted window (ms). */
  window: { from: number; to: number };
}

export const RECENT_RUNS = 50;

async function dayRows(store: StateStore, id: string, now: Date): Promise<HistoryDayEntity[]> {
  const days = windowDays(now);
  const rows = await store.history.range(id, {
    from: dayKey(days[days.length - 1]!),
    to: dayKey(days[0]!) + '~', // inclusive of the first day
    limit: HISTORY_DAYS,
  });
  return rows.flatMap((r) => (r.value.kind === 'day' ? [r.value] : [])).reverse();
}

function hourly(days: HistoryDayEntity[], key: keyof HistoryHour, from: number, to: number): Point[] {
  const out: Point[] = [];
  for (const d of days) {
    const start = Date.parse(`${d.day}T00:00:00Z`);
    d.hours.forEach((h, i) => {
      const v = h?.[key];
      const t = start + i * HOUR_MS;
      if (typeof v === 'number' && t >= from && t < to) out.push({ t, v });
    });
  }
  return out;
}

/** The overview of one mailbox from its day rows (oldest first). */
export function summarize(m: MailboxRef, rows: HistoryDayEntity[], now: Date): MailboxOverview {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const days = windowDays(now).map((day): DayCell => {
    const r = byDay.get(day);
    return r ? { day, worst: r.worst, runs: r.runs } : { day, runs: 0 };
  });
  const uptime = CHECK_NAMES.map((check) => {
    let runs = 0;
    let ok = 0;
    for (const r of rows) {
      runs += r.checks[check]?.runs ?? 0;
      ok += r.checks[check]?.ok ?? 0;
    }
    return runs ? { check, runs, percent: (100 * ok) / runs } : { check, runs };
  });
  const latest = rows[rows.length - 1];
  const hourStart = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const quota = new Map(
    hourly(rows.slice(-2), 'quotaPercent', hourStart - 23 * HOUR_MS, hourStart + HOUR_MS).map((p) => [
      p.t,
      p.v,
    ]),
  );
  const quota24h = Array.from({ length: 24 }, (_, i) => quota.get(hourStart - (23 - i) * HOUR_MS) ?? null);
  return {
    id: m.id,
    address: m.address,
    tenant: m.tenantId,
    ...(latest
      ? {
          now: latest.last.worst,
          since: latest.since,
          lastRunAt: latest.last.at,
          ...(latest.last.metrics.quotaPercent !== undefined
            ? { quotaNow: latest.last.metrics.quotaPercent }
            : {}),
          ...(latest.last.metrics.junkUnreviewed !== undefined
            ? { junkWaiting: latest.last.metrics.junkUnreviewed }
            : {}),
        }
      : {}),
    days,
    uptime,
    quota24h,
  };
}

/**
 * The overview of one mailbox from its summary row: the same as `summarize` over its day rows (a test holds them
 * to that), without reading them.
 */
export function summarizeSummary(
  m: MailboxRef,
  s: HistorySummaryEntity | undefined,
  now: Date,
  window: readonly string[] = windowDays(now),
): MailboxOverview {
  // Window cell w (oldest first) is summary day i = (HISTORY_DAYS - 1 - w) - age: index arithmetic, no date per cell.
  const age = s ? daysBetween(s.at.slice(0, 10), window[window.length - 1]!) : 0;
  const cells = window.map((day, w) => {
    const d = s?.days[HISTORY_DAYS - 1 - w - age];
    return { day, counts: d ? decodeDay(d, s!.checks) : undefined };
  });
  const days = cells.map(({ day, counts: c }): DayCell =>
    c ? { day, worst: c.worst, runs: c.runs } : { day, runs: 0 },
  );
  const uptime = CHECK_NAMES.map((check) => {
    let runs = 0;
    let ok = 0;
    for (const { counts } of cells) {
      runs += counts?.checks[check]?.runs ?? 0;
      ok += counts?.checks[check]?.ok ?? 0;
    }
    return runs ? { check, runs, percent: (100 * ok) / runs } : { check, runs };
  });
  const latest = s && age >= 0 && age < HISTORY_DAYS ? s : undefined;
  const hour = Math.floor(now.getTime() / HOUR_MS);
  const last = latest ? Math.floor(Date.parse(latest.at) / HOUR_MS) : 0;
  const quota24h = Array.from({ length: 24 }, (_, i) => {
    const j = 23 - (last - (hour - 23 + i));
    return latest && j >= 0 && j < 24 ? (latest.quota24h[j] ?? null) : null;
  });
  return {
    id: m.id,
    address: m.address,
    tenant: m.tenantId,
    ...(latest
      ? {
          now: latest.worst,
          since: latest.since,
          lastRunAt: latest.at,
          ...(latest.quotaPercent !== undefined ? { quotaNow: latest.quotaPercent } : {}),
          ...(latest.junkUnreviewed !== undefined ? { junkWaiting: latest.junkUnreviewed } : {}),
        }
      : {}),
    days,
    uptime,
    quota24h,
  };
}

/**
 * Every configured mailbox's overview from one query of the summary partition. A mailbox without a summary row has
 * no history yet, or has not run since the summaries were introduced: its next run writes the row from its day rows.
 * Rows of mailboxes no longer configured are ignored.
 */
export async function readOverview(
  mailboxes: readonly MailboxRef[],
  store: StateStore,
  now: Date,
): Promise<MailboxOverview[]> {
  const rows = await store.history.list(SUMMARY_PARTITION);
  const byId = new Map(
    rows.flatMap((r) => (r.value.kind === 'summary' ? [[r.rowKey, r.value] as const] : [])),
  );
  return mailboxes.map((m) => summarizeSummary(m, byId.get(m.id), now));
}

export async function readMailboxDetail(m: MailboxRef, store: StateStore, now: Date): Promise<MailboxDetail> {
  const [rows, recent, status, alerts] = await Promise.all([
    dayRows(store, m.id, now),
    store.history.range(m.id, { from: RUN_PREFIX, to: RUN_END, limit: RECENT_RUNS }),
    store.status.list(m.id),
    store.alerts.list(m.id),
  ]);
  const to = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS;
  const from = to - HISTORY_DAYS * 24 * HOUR_MS;
  const order = (c: CheckName) => {
    const i = (CHECK_NAMES as readonly string[]).indexOf(c);
    return i < 0 ? CHECK_NAMES.length : i;
  };
  return {
    overview: summarize(m, rows, now),
    checks: status
      .map((s) => ({
        check: s.value.check,
        status: s.value.status,
        since: s.value.since,
        at: s.value.result.at,
        summary: s.value.result.summary,
        ...(s.value.result.remediation ? { remediation: s.value.result.remediation } : {}),
      }))
      .sort((a, b) => order(a.check) - order(b.check)),
    runs: recent.flatMap((r) => (r.value.kind === 'run' ? [r.value] : [])),
    series: {
      oldestWaitingMinutes: hourly(rows, 'oldestWaitingMinutes', from, to),
      quotaPercent: hourly(rows, 'quotaPercent', from, to),
      junkArrivals24h: hourly(rows, 'junkArrivals24h', from, to),
    },
    alerts: alerts
      .filter((a) => a.value.triggered && a.value.severity !== 'OK')
      .map((a) => ({
        check: a.value.check,
        severity: a.value.severity,
        ...(a.value.triggeredAt ? { triggeredAt: a.value.triggeredAt } : {}),
        ...(a.value.lastNotifiedAt ? { lastNotifiedAt: a.value.lastNotifiedAt } : {}),
      })),
    window: { from, to },
  };
}

/** Worst status over mailboxes that have one (for the page title). */
export function overallStatus(list: readonly MailboxOverview[]): Status | undefined {
  const known = list.flatMap((m) => (m.now ? [m.now] : []));
  return known.length ? worstStatus(known) : undefined;
}
