/**
 * Thirty days of believable history for the status page: for tests, the benchmark and the demo. Each mailbox
 * follows its own deterministic pattern (a daily sending curve, mail that sometimes waits, junk that piles up
 * until the Monday review, the odd sign-in outage). Runs are simulated with the same pure functions the check
 * run uses (`runEntity`, `foldDay`, `foldSummary`), then written per mailbox in entity-group transactions: the day
 * rows and the last 50 run rows, and the overview's summary row. The last run of each mailbox goes through the
 * run's own writer (`recordHistory`), which folds that summary one step further as every run does. Then the
 * status and alert rows a real run would have left.
 */
import { CHECK_NAMES, type CheckName, type CheckResult, type Status } from '../src/shared/contracts.js';
import { dayKey, DAY_MS, HISTORY_DAYS, runKey, SUMMARY_PARTITION } from '../src/shared/history/keys.js';
import { RECENT_RUNS, type MailboxRef } from '../src/shared/history/read.js';
import { foldDay, recordHistory, runEntity } from '../src/shared/history/record.js';
import { summaryFromDays } from '../src/shared/history/summary.js';
import type { HistoryDayEntity, HistoryEntity, HistoryRunEntity } from '../src/shared/state/history-port.js';
import type { StateStore, StatusEntity, TransactionOp } from '../src/shared/state/ports.js';
import { rng } from './rng.js';

export interface SeedOptions {
  now: Date;
  /** Minutes between simulated runs (the Function App runs every 5; an hour keeps seeding fast). */
  intervalMinutes?: number;
  days?: number;
  /** Sign-in outages to simulate instead of each mailbox's random ones (the demo's failure and recovery). */
  outages?: Array<{ from: Date; to: Date }>;
  /** Only the history rows: leave the status and alert rows to a real run (the demo). */
  historyOnly?: boolean;
}

/** `n` mailboxes spread over `tenants` tenants, ids `desk-001`… */
export function seedMailboxRefs(n: number, tenants = Math.max(1, Math.ceil(n / 12))): MailboxRef[] {
  return Array.from({ length: n }, (_, i) => {
    const t = i % tenants;
    const domain = `tenant${String(t + 1).padStart(2, '0')}.example`;
    const id = `desk-${String(i + 1).padStart(3, '0')}`;
    return { id, address: `${id}@${domain}`, tenantId: domain };
  });
}

export interface Profile {
  quotaPeak: number;
  outages: Array<[number, number]>;
  slowDays: Set<number>;
  endState: 'ok' | 'crit' | 'warn-junk' | 'warn-inbox';
}

/** A mailbox without outages, slow days or a bad end (the benchmark's next run). */
export function quietProfile(): Profile {
  return { quotaPeak: 20, outages: [], slowDays: new Set(), endState: 'ok' };
}

function profile(i: number, totalMs: number, start: number): Profile {
  const r = rng(Math.imul(i + 1, 2654435761)); // spread neighbouring seeds
  const outages: Array<[number, number]> = [];
  const count = r() < 0.3 ? 1 + Math.floor(r() * 3) : 0;
  for (let k = 0; k < count; k++) {
    const at = start + r() * totalMs * 0.9;
    outages.push([at, at + (1 + r() * 6) * 3_600_000]);
  }
  const endState = i % 17 === 3 ? 'crit' : i % 11 === 5 ? 'warn-junk' : i % 13 === 7 ? 'warn-inbox' : 'ok';
  if (endState === 'crit') outages.push([start + totalMs - 3 * 3_600_000, start + totalMs + 1]);
  const slowDays = new Set(Array.from({ length: 3 }, () => Math.floor(r() * 30)));
  return { quotaPeak: i % 9 === 4 ? 88 : 8 + r() * 40, outages, slowDays, endState };
}

function result(
  m: MailboxRef,
  check: CheckName,
  status: Status,
  summary: string,
  at: string,
  metrics: Record<string, number> = {},
): CheckResult {
  return { check, mailbox: m.id, status, summary, metrics, durationMs: 40, at };
}

/** The check results of one simulated run. */
export function simulatedRun(m: MailboxRef, p: Profile, t: number, end: number): CheckResult[] {
  const at = new Date(t).toISOString();
  const hour = new Date(t).getUTCHours();
  const day = Math.floor((end - t) / DAY_MS);
  if (p.outages.some(([a, b]) => t >= a && t < b)) {
    const out: CheckResult[] = [
      {
        ...result(
          m,
          'auth',
          'CRIT',
          'AADSTS50126: Error validating credentials due to invalid username or password.',
          at,
        ),
        remediation: {
          cause: 'the password of the mailbox account was changed or has expired',
          fix: 'set the new password in the Key Vault secret the configuration names, then wait for the next run',
          setupStep: 'account' as const,
        },
      },
    ];
    for (const c of CHECK_NAMES.slice(1))
      out.push(result(m, c, c === 'credential-expiry' ? 'OK' : 'UNKNOWN', `skipped: auth is CRIT`, at));
    return out;
  }
  const business = hour >= 7 && hour <= 17;
  const quota =
    Math.round(p.quotaPeak * (business ? 0.6 + 0.4 * Math.sin(((hour - 7) / 10) * Math.PI) : 0.35) * 10) / 10;
  const lastHours = end - t < 4 * 3_600_000;
  const waiting =
    (p.slowDays.has(day) && business) || (lastHours && p.endState === 'warn-inbox')
      ? 45 + (hour % 5) * 12
      : (hour % 4) * 2;
  const weekday = new Date(t).getUTCDay();
  const arrivals = Math.round(7 + 4 * Math.sin(t / (2.5 * DAY_MS)) + (hour % 3));
  const unreviewed = p.endState === 'warn-junk' && lastHours ? 140 : ((weekday + 6) % 7) * 9 + (hour % 6);
  const inbox: Status = waiting >= 120 ? 'CRIT' : waiting >= 30 ? 'WARN' : 'OK';
  const junk: Status = unreviewed > 100 ? 'WARN' : 'OK';
  const quotaStatus: Status = quota >= 95 ? 'CRIT' : quota >= 80 ? 'WARN' : 'OK';
  return [
    result(m, 'auth', 'OK', 'token acquired (ROPC, delegated)', at),
    result(m, 'credential-expiry', 'OK', 'password credential: no expiry to watch', at),
    result(m, 'imap-login', 'OK', 'IMAP login with XOAUTH2 accepted', at, { loginMs: 180 + (hour % 7) * 30 }),
    result(m, 'inbox', inbox, `12 messages, 3 waiting, oldest ${waiting} min`, at, {
      oldestWaitingSeconds: waiting * 60,
    }),
    result(m, 'junk', junk, `Junk Email: ${unreviewed} unreviewed, ${arrivals} in the last 24 h`, at, {
      junkUnreviewed: unreviewed,
      junkArrivals24h: arrivals,
    }),
    result(
      m,
      'sent-quota',
      quotaStatus,
      `${Math.round(quota * 100).toLocaleString('en-US')} of 10,000 recipients in 24 h (${quota} %)`,
      at,
      {
        quotaPercent: quota,
      },
    ),
    result(m, 'smtp-auth', 'OK', 'SMTP AUTH XOAUTH2 accepted', at),
  ];
}

/** Simulates and writes the history, status and alert rows of every mailbox. */
export async function seedStatusHistory(
  store: StateStore,
  mailboxes: readonly MailboxRef[],
  opts: SeedOptions,
): Promise<void> {
  const step = (opts.intervalMinutes ?? 60) * 60_000;
  const days = opts.days ?? HISTORY_DAYS;
  const end = opts.now.getTime();
  const start = end - days * DAY_MS + step;
  await Promise.all(
    mailboxes.map(async (m, i) => {
      const p = profile(i, end - start, start);
      if (opts.outages) {
        p.outages = opts.outages.map((o) => [o.from.getTime(), o.to.getTime()]);
        p.endState = 'ok';
      }
      const dayRows = new Map<string, HistoryDayEntity>();
      const runs: HistoryRunEntity[] = [];
      let last: HistoryDayEntity | undefined;
      let results: CheckResult[] = [];
      const since = new Map<CheckName, { status: Status; since: string; failures: number }>();
      let t = start;
      for (; t <= end; t += step) {
        results = simulatedRun(m, p, t, end);
        for (const r of results) {
          const s = since.get(r.check);
          const failures = r.status === 'OK' ? 0 : (s?.failures ?? 0) + 1;
          since.set(
            r.check,
            s && s.status === r.status ? { ...s, failures } : { status: r.status, since: r.at, failures },
          );
        }
        if (t + step > end) break; // the last run: recorded below by the run's writer
        const run = runEntity(results, new Date(t));
        last = foldDay(last, run);
        dayRows.set(last.day, last);
        runs.push(run);
        if (runs.length > RECENT_RUNS - 1) runs.shift();
      }
      const ops: Array<TransactionOp<HistoryEntity>> = [
        ...[...dayRows.values()].map((d) => ({ op: 'upsert' as const, rowKey: dayKey(d.day), value: d })),
        ...runs.map((r) => ({ op: 'upsert' as const, rowKey: runKey(new Date(r.at)), value: r })),
      ];
      for (let k = 0; k < ops.length; k += 100) {
        const out = await store.history.transact(m.id, ops.slice(k, k + 100));
        if (!out.ok) throw new Error(`seeding the history of ${m.id} failed`);
      }
      // The summary as the runs so far would have left it: folding the day rows is folding run by run (a test holds
      // the two to the same result), and 30 folds instead of one per run keep seeding fast.
      const summary = summaryFromDays([...dayRows.values()]);
      if (summary) await store.history.upsert(SUMMARY_PARTITION, m.id, summary);
      if (results.length) await recordHistory(store, m.id, results, new Date(t));
      if (opts.historyOnly) return;
      for (const r of results) {
        const s = since.get(r.check)!;
        const row: StatusEntity = {
          check: r.check,
          status: r.status,
          result: r,
          since: s.since,
          consecutiveFailures: s.failures,
        };
        await store.status.upsert(m.id, r.check, row);
        if (r.status !== 'OK' && r.status !== 'UNKNOWN')
          await store.alerts.upsert(m.id, r.check, {
            check: r.check,
            triggered: true,
            severity: r.status,
            triggeredAt: new Date(Date.parse(s.since) + step).toISOString(),
            lastNotifiedAt: new Date(Date.parse(s.since) + step).toISOString(),
          });
      }
    }),
  );
}

/** A configuration document for seeded mailboxes (for `parseConfig`): the status page shows configured ones only. */
export function seedConfigDocument(
  refs: readonly MailboxRef[],
  state: unknown = 'memory',
): Record<string, unknown> {
  return {
    mailboxes: refs.map((r) => ({
      id: r.id,
      address: r.address,
      tenantId: r.tenantId,
      clientId: '00000000-0000-4000-8000-000000000001',
      auth: { mode: 'password', password: { env: 'SEED_PASSWORD' } },
    })),
    state: { tables: state },
  };
}
