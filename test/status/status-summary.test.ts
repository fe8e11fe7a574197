/**
 * The overview reads one summary row per mailbox instead of its 30 day rows: what it shows must be exactly what the
 * day rows say, at any time after the last run, and a missing or stale summary must be rebuilt by the next run.
 */
import { describe, expect, it } from 'vitest';
import { seedMailboxRefs, seedStatusHistory } from '../../lab/status-seed.js';
import type { CheckResult } from '../../src/shared/contracts.js';
import { DAY_END, DAY_PREFIX, SUMMARY_PARTITION } from '../../src/shared/history/keys.js';
import { readMailboxDetail, readOverview, type MailboxRef } from '../../src/shared/history/read.js';
import { recordHistory } from '../../src/shared/history/record.js';
import { foldSummary } from '../../src/shared/history/summary.js';
import type { HistoryDayEntity, HistorySummaryEntity } from '../../src/shared/state/history-port.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import type { StateStore } from '../../src/shared/state/ports.js';

const NOW = new Date('2026-12-01T10:20:00Z');
const HOUR = 3_600_000;

/** The overview line of each mailbox both ways: from the summary partition, and from the mailbox's day rows. */
async function bothWays(store: StateStore, refs: readonly MailboxRef[], at: Date) {
  const fromSummary = await readOverview(refs, store, at);
  const fromDays = await Promise.all(refs.map(async (m) => (await readMailboxDetail(m, store, at)).overview));
  return { fromSummary, fromDays };
}

async function summaryOf(store: StateStore, id: string): Promise<HistorySummaryEntity> {
  const row = await store.history.get(SUMMARY_PARTITION, id);
  if (row?.value.kind !== 'summary') throw new Error(`no summary row for ${id}`);
  return row.value;
}

describe('status overview from summary rows', () => {
  it('shows what the day rows say, now and hours or days after the last run', async () => {
    const store = createMemoryStore();
    const refs = seedMailboxRefs(24, 3);
    await seedStatusHistory(store, refs, { now: NOW, intervalMinutes: 45 });
    // A history with outages, WARN days and a CRIT end state: the comparison is not between two empty lines.
    const now = await readOverview(refs, store, NOW);
    expect(new Set(now.map((o) => o.now))).toEqual(new Set(['OK', 'WARN', 'CRIT']));
    expect(now.every((o) => o.quota24h.filter((v) => v !== null).length >= 20)).toBe(true);
    for (const later of [0, 1, 14, 23, 24, 49, 24 * 29, 24 * 31]) {
      const at = new Date(NOW.getTime() + later * HOUR);
      const { fromSummary, fromDays } = await bothWays(store, refs, at);
      expect(fromSummary, `${later} h after the last run`).toEqual(fromDays);
    }
  });

  it('keeps a summary row small: a healthy day is its status and its run count', async () => {
    const store = createMemoryStore();
    const refs = seedMailboxRefs(12, 2);
    await seedStatusHistory(store, refs, { now: NOW, intervalMinutes: 5, days: 3 });
    const rows = await store.history.list(SUMMARY_PARTITION);
    expect(rows.map((r) => r.rowKey).sort()).toEqual(refs.map((r) => r.id).sort());
    const quiet = await summaryOf(store, refs[0]!.id);
    expect(quiet.days.some((d) => d !== null && d.length === 2 && d[0] === 'OK' && d[1] === 288)).toBe(true);
    for (const r of rows) expect(JSON.stringify(r.value).length).toBeLessThan(1024);
  });

  it('the next run rebuilds a missing or stale summary from the day rows', async () => {
    const store = createMemoryStore();
    const refs = seedMailboxRefs(3, 1);
    await seedStatusHistory(store, refs, { now: NOW, intervalMinutes: 60 });
    const [lost, stale] = refs;
    await store.history.delete(SUMMARY_PARTITION, lost!.id);
    const old = await summaryOf(store, stale!.id);
    // As if the summary write of the last run had failed: the summary is one run behind the day rows.
    await store.history.upsert(SUMMARY_PARTITION, stale!.id, {
      ...old,
      at: new Date(Date.parse(old.at) - HOUR).toISOString(),
      days: old.days.map(() => ['OK', 1]),
    });
    expect((await readOverview([lost!], store, NOW))[0]!.now).toBeUndefined();
    const at = new Date(NOW.getTime() + 5 * 60_000);
    for (const m of refs) await recordHistory(store, m.id, runOf(m, at), at);
    const { fromSummary, fromDays } = await bothWays(store, refs, at);
    expect(fromSummary).toEqual(fromDays);
    expect(fromSummary[0]!.days.filter((d) => d.worst !== undefined)).toHaveLength(30);
    // Folding the latest day row once more changes nothing: the summary is exactly the fold of its day rows.
    const days = await store.history.range(refs[2]!.id, { from: DAY_PREFIX, to: DAY_END, limit: 1 });
    const before = { ...(await summaryOf(store, refs[2]!.id)) };
    expect(foldSummary(before, days[0]!.value as HistoryDayEntity)).toEqual(before);
  });
});

function runOf(m: MailboxRef, at: Date): CheckResult[] {
  const r = (check: CheckResult['check'], metrics: Record<string, number> = {}): CheckResult => ({
    check,
    mailbox: m.id,
    status: 'OK',
    summary: `${check} OK`,
    metrics,
    durationMs: 1,
    at: at.toISOString(),
  });
  return [r('auth'), r('inbox', { oldestWaitingSeconds: 60 }), r('sent-quota', { quotaPercent: 12 })];
}
