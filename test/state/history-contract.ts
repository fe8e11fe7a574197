/**
 * The `history` table's part of the store contract (run over memory and Azurite like store-contract.ts): range
 * reads in row-key order with a limit, and the run writer's folding and pruning as seen through the store.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CheckResult, Status } from '../../src/shared/contracts.js';
import {
  DAY_END,
  DAY_PREFIX,
  RUN_END,
  RUN_PREFIX,
  SUMMARY_PARTITION,
  runKey,
} from '../../src/shared/history/keys.js';
import { readMailboxDetail, readOverview } from '../../src/shared/history/read.js';
import { recordHistory } from '../../src/shared/history/record.js';
import type { HistoryRunEntity } from '../../src/shared/state/history-port.js';
import type { StateStore } from '../../src/shared/state/ports.js';

const pk = () => `mb-${randomUUID().slice(0, 8)}`;
const HOUR = 3_600_000;

function results(mailbox: string, at: Date, inbox: Status, quota: number): CheckResult[] {
  const r = (check: CheckResult['check'], status: Status, metrics: Record<string, number> = {}) => ({
    check,
    mailbox,
    status,
    summary: `${check} ${status}`,
    metrics,
    durationMs: 1,
    at: at.toISOString(),
  });
  return [
    r('auth', 'OK'),
    r('imap-login', 'OK', { loginMs: 200 }),
    r('inbox', inbox, { oldestWaitingSeconds: inbox === 'OK' ? 60 : 9000 }),
    r('sent-quota', 'OK', { quotaPercent: quota }),
  ];
}

const run = (at: string, worst: Status = 'OK'): HistoryRunEntity => ({
  kind: 'run',
  at,
  worst,
  checks: {},
  metrics: {},
});

export function runHistoryContract(name: string, makeStore: () => Promise<StateStore>): void {
  describe(`StateStore contract, history table: ${name}`, () => {
    let store: StateStore;
    const fresh = async () => (store ??= await makeStore());

    it('reads a row-key range of one partition in order, bounded by the limit', async () => {
      const s = await fresh();
      const p = pk();
      const times = ['2026-11-30T10:00:00Z', '2026-12-01T09:00:00Z', '2026-12-01T10:00:00Z'];
      for (const t of times) await s.history.upsert(p, runKey(new Date(t)), run(t));
      await s.history.upsert(p, 'd-x', { ...run(times[0]!), kind: 'run' });
      await s.history.upsert(pk(), runKey(new Date(times[2]!)), run(times[2]!));
      const newest = await s.history.range(p, { from: RUN_PREFIX, to: RUN_END, limit: 2 });
      expect(newest.map((r) => (r.value as HistoryRunEntity).at)).toEqual([times[2], times[1]]);
      const all = await s.history.range(p, { from: RUN_PREFIX, to: RUN_END });
      expect(all.length).toBe(3);
      const older = await s.history.range(p, { from: runKey(new Date(times[1]!)), to: RUN_END });
      expect(older.map((r) => (r.value as HistoryRunEntity).at)).toEqual([times[1], times[0]]);
      expect(await s.history.range(p, { from: DAY_PREFIX, to: 'd-y' })).toHaveLength(1);
      expect(await s.history.range(pk(), { from: RUN_PREFIX, to: RUN_END })).toEqual([]);
    });

    it('the run folds its day, keeps since across days and prunes rows past 30 days', async () => {
      const s = await fresh();
      const p = pk();
      const t0 = Date.parse('2026-10-25T22:00:00Z');
      // Two runs 36 days ago, then a CRIT→OK story in the last two days.
      await recordHistory(s, p, results(p, new Date(t0), 'OK', 5), new Date(t0));
      await recordHistory(s, p, results(p, new Date(t0 + HOUR), 'OK', 6), new Date(t0 + HOUR));
      const base = Date.parse('2026-11-30T22:00:00Z');
      const story: Array<[number, Status, number]> = [
        [0, 'OK', 10],
        [1, 'CRIT', 30],
        [2, 'CRIT', 20],
        [3, 'OK', 12],
        [4, 'OK', 14],
      ];
      let pruned = 0;
      for (const [h, inbox, q] of story) {
        const at = new Date(base + h * HOUR);
        pruned += (await recordHistory(s, p, results(p, at, inbox, q), at)).pruned;
      }
      expect(pruned).toBe(3); // the two old runs and their day row
      const runs = await s.history.range(p, { from: RUN_PREFIX, to: RUN_END });
      expect(runs.map((r) => (r.value as HistoryRunEntity).worst)).toEqual([
        'OK',
        'OK',
        'CRIT',
        'CRIT',
        'OK',
      ]);
      const days = await s.history.range(p, { from: DAY_PREFIX, to: DAY_END });
      expect(
        days.map((d) => (d.value.kind === 'day' ? [d.value.day, d.value.worst, d.value.runs] : [])),
      ).toEqual([
        ['2026-12-01', 'CRIT', 3],
        ['2026-11-30', 'CRIT', 2],
      ]);
      const now = new Date(base + 4 * HOUR + 60_000);
      const ref = { id: p, address: `${p}@example.com`, tenantId: 'example.com' };
      const [o] = await readOverview([ref], s, now);
      expect(o).toMatchObject({ now: 'OK', since: new Date(base + 3 * HOUR).toISOString(), quotaNow: 14 });
      expect(o!.days.slice(-2).map((d) => d.worst)).toEqual(['CRIT', 'CRIT']);
      expect(o!.uptime.find((u) => u.check === 'inbox')).toEqual({ check: 'inbox', runs: 5, percent: 60 });
      expect(o!.quota24h.filter((v) => v !== null)).toEqual([10, 30, 20, 12, 14]);
      // The overview read that one line from the summary partition, which the runs kept beside the day rows.
      const summary = await s.history.get(SUMMARY_PARTITION, p);
      expect(summary?.value).toMatchObject({ kind: 'summary', at: new Date(base + 4 * HOUR).toISOString() });
      expect((await s.history.list(SUMMARY_PARTITION)).map((r) => r.rowKey)).toContain(p);
      const d = await readMailboxDetail(ref, s, now);
      expect(d.overview).toEqual(o);
      expect(d.runs).toHaveLength(5);
      expect(d.series.oldestWaitingMinutes.map((x) => x.v)).toEqual([1, 150, 150, 1, 1]);
    });
  });
}
