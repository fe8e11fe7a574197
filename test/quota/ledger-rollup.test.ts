/**
 * The ledger's hour rows against what they stand for: on random ledgers (window edges, future-dated messages,
 * ties for the busiest minute) the summary a run computes from hour rows and partial-hour minutes equals summing
 * every minute bucket; every hour row equals the sum of its minutes, also after a run that fails part-way; and an
 * incremental run of a busy desk reads about as many rows as one of a quiet desk.
 */
import { describe, expect, it } from 'vitest';
import {
  bucketRowKey,
  countingWatermark,
  predatesHourRows,
  pruneLedger,
  readLedger,
  recordMessages,
  summarizeLedger,
  type SentMessage,
} from '../../src/shared/quota/ledger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import type { StateStore } from '../../src/shared/state/ports.js';
import { crashingAt } from './crashing-store.js';
import { hoursFromBuckets, limits, wholeLedger, wholeSummary } from './whole-ledger.js';
import { rng } from '../../lab/rng.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const start = new Date('2026-11-27T12:00:00Z').getTime();

/** n messages, one every `step` ms going back from `start`, uid 1..n (oldest first), 2 recipients each. */
const sentEvery = (n: number, step: number): SentMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    uid: i + 1,
    date: new Date(start - (n - i) * step),
    recipients: 2,
  }));

const input = (messages: SentMessage[], now: Date, finalLastUid = 0) => ({
  folder: 'Sent Items',
  uidValidity: 7,
  messages,
  finalLastUid,
  now,
});

/**
 * Every hour row equals the sum of its minute buckets — for the hours not yet reached by pruning: a pass removes
 * the minutes older than 48 h one by one and their hour row only with the last, and the window never goes there.
 */
async function expectHoursMatchBuckets(store: StateStore, now: number) {
  const whole = await wholeLedger(store.ledger, 'desk');
  const kept = <V>(m: Map<string, V>) =>
    new Map([...m].filter(([hour]) => Date.parse(hour) >= now - 48 * HOUR));
  expect(kept(whole.hours)).toEqual(kept(hoursFromBuckets(whole.buckets)));
}

describe('sent-quota ledger: hour rows', () => {
  it('summarizes exactly as summing every minute bucket, on random ledgers and at the window edges', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const rand = rng(seed);
      const store = createMemoryStore();
      let uid = 0;
      let now = start + Math.floor(rand() * 60) * 1000 * (seed % 2); // on a minute boundary, or 0–59 s past one
      // A first run (a recount: a fresh generation) over 48 h, then incremental runs as time goes on.
      for (let run = 0; run < 8; run++) {
        const at = new Date(now);
        const messages: SentMessage[] = [];
        const n = run === 0 ? 400 : Math.floor(rand() * 40);
        // Which minutes: the window's edges (the inWindow rule), the last hour's, any of 49 h back, the future.
        const edges = [
          at.getTime() - 24 * HOUR - MIN,
          at.getTime() - 24 * HOUR - MIN + 1,
          at.getTime() - 24 * HOUR,
          at.getTime() - 24 * HOUR + 59 * MIN,
          at.getTime() - HOUR - MIN,
          at.getTime() - HOUR,
          at.getTime(),
          at.getTime() + 2 * MIN,
        ];
        for (let k = 0; k < n; k++) {
          const pick = rand();
          const t =
            pick < 0.3
              ? edges[Math.floor(rand() * edges.length)]!
              : pick < 0.6
                ? at.getTime() - Math.floor(rand() * 3 * HOUR)
                : pick < 0.95
                  ? at.getTime() - Math.floor(rand() * 49 * HOUR)
                  : at.getTime() + Math.floor(rand() * 2 * HOUR);
          // Few distinct minutes in a busy patch, so equal counts (ties for the busiest minute) are common.
          const date = new Date(rand() < 0.2 ? Math.floor(t / (5 * MIN)) * 5 * MIN : t);
          messages.push({ uid: ++uid, date, recipients: 1 + Math.floor(rand() * 4) });
        }
        const state = await readLedger(store.ledger, 'desk', at);
        const out = await recordMessages(store.ledger, 'desk', state, input(messages, at));
        expect(out.conflict).toBe(false);
        const whole = await wholeSummary(store.ledger, 'desk', at);
        expect(summarizeLedger(state, at, limits), `seed ${seed} run ${run}`).toEqual(whole);
        // And as the next run would see it, read afresh, also a few seconds and a few minutes on.
        for (const later of [0, 7_000, 3 * MIN + 30_000, 61 * MIN]) {
          const t = new Date(at.getTime() + later);
          const again = await readLedger(store.ledger, 'desk', t);
          expect(summarizeLedger(again, t, limits), `seed ${seed} run ${run} +${later}`).toEqual(
            await wholeSummary(store.ledger, 'desk', t),
          );
        }
        await expectHoursMatchBuckets(store, at.getTime());
        await pruneLedger(store.ledger, 'desk', state, at);
        now += Math.floor(rand() * 90) * MIN + Math.floor(rand() * 60) * 1000;
      }
    }
  });

  it('a run that fails part-way leaves hour rows, minute buckets and watermark agreeing', async () => {
    const store = createMemoryStore();
    const now = new Date(start);
    // 300 messages in 300 minutes over 5 hours, 3 recipients each: four transactions.
    const sent = Array.from({ length: 300 }, (_, i) => ({
      uid: i + 1,
      date: new Date(start - (300 - i) * MIN),
      recipients: 3,
    }));
    const crashing = crashingAt(store, 3);
    const state = await readLedger(store.ledger, 'desk', now);
    await expect(recordMessages(crashing.ledger, 'desk', state, input(sent, now))).rejects.toThrow(
      'simulated crash',
    );
    // Nothing of the failed run may be summed from the state it was given.
    expect(state.view).toBeUndefined();
    const whole = await wholeLedger(store.ledger, 'desk');
    const lastUid = whole.lastUid!;
    expect(lastUid).toBeGreaterThan(150);
    expect(lastUid).toBeLessThan(300);
    // Stored counts are exactly those of the UIDs up to the watermark, in the minutes and in the hours.
    expect(whole.buckets.reduce((n, b) => n + b.recipients, 0)).toBe(3 * lastUid);
    expect(whole.hours).toEqual(hoursFromBuckets(whole.buckets));
    const read = await readLedger(store.ledger, 'desk', now);
    expect(summarizeLedger(read, now, limits)).toMatchObject({
      messages24h: lastUid,
      recipients24h: 3 * lastUid,
    });
    // The next run continues from the watermark and ends with every message counted once.
    await recordMessages(store.ledger, 'desk', read, input(sent, now));
    expect(summarizeLedger(read, now, limits)).toMatchObject({ messages24h: 300, recipients24h: 900 });
    expect(summarizeLedger(read, now, limits)).toEqual(await wholeSummary(store.ledger, 'desk', now));
    await expectHoursMatchBuckets(store, start);
  });

  it('a writer that lost the watermark race part-way stops with counts matching the watermark', async () => {
    const store = createMemoryStore();
    const now = new Date(start);
    const sent = Array.from({ length: 250 }, (_, i) => ({
      uid: i + 1,
      date: new Date(start - (250 - i) * MIN),
      recipients: 2,
    }));
    let transactions = 0;
    const l = store.ledger;
    // After this writer's first transaction another one moves the watermark (as a second runner would).
    const racing: StateStore = {
      ...store,
      ledger: {
        ...l,
        get: (pk, rk) => l.get(pk, rk),
        list: (pk) => l.list(pk),
        range: (pk, r) => l.range(pk, r),
        replace: (pk, rk, v, e) => l.replace(pk, rk, v, e),
        transact: async (pk, ops) => {
          if (++transactions === 2) {
            const wm = (await l.get(pk, 'watermark'))!;
            if (wm.value.kind === 'watermark')
              await l.replace(pk, 'watermark', { ...wm.value, updatedAt: 'elsewhere' }, wm.etag);
          }
          return l.transact(pk, ops);
        },
      },
    };
    const state = await readLedger(store.ledger, 'desk', now);
    const out = await recordMessages(racing.ledger, 'desk', state, input(sent, now));
    expect(out).toMatchObject({ conflict: true, transactions: 1 });
    expect(state.view).toBeUndefined();
    const whole = await wholeLedger(store.ledger, 'desk');
    expect(whole.buckets.reduce((n, b) => n + b.messages, 0)).toBe(whole.lastUid);
    expect(whole.hours).toEqual(hoursFromBuckets(whole.buckets));
  });

  it('a ledger written before hour rows existed is recounted into a new generation, never summed from hours', async () => {
    const store = createMemoryStore();
    const now = new Date(start);
    const old = '7.1';
    // The old shape: minute buckets and a watermark without the hour-rows marker.
    for (const ago of [30, 90, 150]) {
      const minute = new Date(start - ago * MIN);
      await store.ledger.upsert('desk', bucketRowKey(old, minute), {
        kind: 'bucket',
        generation: old,
        minute: minute.toISOString(),
        messages: 1,
        recipients: 4,
      });
    }
    const wm = { kind: 'watermark' as const, folder: 'Sent Items', uidValidity: 7, generation: old };
    await store.ledger.upsert('desk', 'watermark', { ...wm, lastUid: 3, updatedAt: now.toISOString() });
    const state = await readLedger(store.ledger, 'desk', now);
    // No watermark to continue from (the scan then recounts) and nothing to sum.
    expect(predatesHourRows(state)).toBe(true);
    expect(countingWatermark(state)).toBeUndefined();
    expect(summarizeLedger(state, now, limits).recipients24h).toBe(0);
    // Even a caller that does not say "recount" gets a fresh generation: the old one has no hour rows.
    const recount = [30, 90, 150].map((ago, i) => ({
      uid: i + 1,
      date: new Date(start - ago * MIN),
      recipients: 4,
    }));
    await recordMessages(store.ledger, 'desk', state, input(recount, now, 3));
    expect(state.watermark?.value).toMatchObject({ hourRows: true, lastUid: 3 });
    expect(state.watermark?.value.generation).not.toBe(old);
    expect(summarizeLedger(state, now, limits).recipients24h).toBe(12);
    expect(await pruneLedger(store.ledger, 'desk', state, now)).toBe(3);
    const again = await readLedger(store.ledger, 'desk', now);
    expect(summarizeLedger(again, now, limits)).toEqual(await wholeSummary(store.ledger, 'desk', now));
    await expectHoursMatchBuckets(store, start);
  });

  it('prunes with one full listing after a new generation, then hourly reading only the rows past 48 h', async () => {
    const store = createMemoryStore();
    const l = store.ledger;
    let lists = 0;
    let rowsRead = 0;
    const counting: StateStore['ledger'] = {
      ...l,
      get: (pk, rk) => l.get(pk, rk),
      list: async (pk) => ((lists += 1), l.list(pk)),
      range: async (pk, r) => {
        const got = await l.range(pk, r);
        rowsRead += got.length;
        return got;
      },
      transact: (pk, ops) => l.transact(pk, ops),
      replace: (pk, rk, v, e) => l.replace(pk, rk, v, e),
    };
    let now = start;
    const at = () => new Date(now);
    await recordMessages(l, 'desk', await readLedger(l, 'desk', at()), input(sentEvery(10, 7 * MIN), at()));
    // A recount into a new generation: 400 messages over the last 47 h; the first generation's rows must go.
    now += 1000; // a later run: generations are named by the time they began
    let uid = 0;
    const recount = sentEvery(400, 7 * MIN).map((m) => ({ ...m, uid: ++uid }));
    const state = await readLedger(l, 'desk', at());
    await recordMessages(l, 'desk', state, { ...input(recount, at()), recount: true });
    expect(await pruneLedger(counting, 'desk', state, at())).toBe(10 + 2); // ten minutes, their two hours
    expect(lists).toBe(1);
    // Three hours of runs every 5 minutes: passes come hourly, read what they delete and never list.
    for (let run = 0; run < 36; run++) {
      now += 5 * MIN;
      const st = await readLedger(l, 'desk', at());
      await recordMessages(l, 'desk', st, input([{ uid: ++uid, date: at(), recipients: 1 }], at()));
      rowsRead = 0;
      const removed = await pruneLedger(counting, 'desk', st, at());
      expect(rowsRead).toBeLessThanOrEqual(removed + 2);
      expect(summarizeLedger(st, at(), limits)).toEqual(await wholeSummary(l, 'desk', at()));
    }
    expect(lists).toBe(1);
    const whole = await wholeLedger(l, 'desk');
    // Nothing older than 48 h is left (pruned within the hour), and the rest of the recount is.
    const oldestKept = Math.min(...whole.buckets.map((b) => b.minute.getTime()));
    expect(oldestKept).toBeGreaterThanOrEqual(now - 49 * HOUR);
    expect(whole.buckets.length).toBeGreaterThan(300);
    await expectHoursMatchBuckets(store, now);
  });

  it('an incremental run of a 10,000-message desk reads about as many rows as one of a 50-message desk', async () => {
    const rowsRead = async (n: number) => {
      const store = createMemoryStore();
      let now = start;
      // Spread over the last 24 h, the newest 2 minutes old, one recipient each (the bench's busy desk).
      const sent = Array.from({ length: n }, (_, k) => ({
        uid: k + 1,
        date: new Date(now - 23 * HOUR - 58 * MIN + Math.floor((k / n) * 23 * HOUR)),
        recipients: 1,
      }));
      const at = new Date(now);
      await recordMessages(store.ledger, 'desk', await readLedger(store.ledger, 'desk', at), input(sent, at));
      await pruneLedger(store.ledger, 'desk', await readLedger(store.ledger, 'desk', at), at);
      let rows = 0;
      const l = store.ledger;
      const counted = <T extends unknown[]>(xs: T) => ((rows += xs.length), xs);
      const counting: StateStore['ledger'] = {
        ...l,
        get: async (pk, rk) => ((rows += 1), l.get(pk, rk)),
        list: async (pk) => counted(await l.list(pk)),
        range: async (pk, r) => counted(await l.range(pk, r)),
        transact: (pk, ops) => l.transact(pk, ops),
        replace: (pk, rk, v, e) => l.replace(pk, rk, v, e),
      };
      now += 5 * MIN;
      const t = new Date(now);
      const fresh = Array.from({ length: 10 }, (_, k) => ({
        uid: n + 1 + k,
        date: new Date(now - (10 - k) * 1000),
        recipients: 1,
      }));
      const state = await readLedger(counting, 'desk', t);
      await recordMessages(counting, 'desk', state, input(fresh, t));
      await pruneLedger(counting, 'desk', state, t);
      expect(summarizeLedger(state, t, limits)).toEqual(await wholeSummary(l, 'desk', t));
      return rows;
    };
    const busy = await rowsRead(10_000);
    const quiet = await rowsRead(50);
    // The busy desk's ledger holds ~1,400 minute buckets; a run reads ≤ 25 hours, ≤ 59 + 61 minutes and the watermark.
    expect(busy).toBeLessThanOrEqual(150);
    expect(busy).toBeLessThanOrEqual(quiet + 130);
  });
});
