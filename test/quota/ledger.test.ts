import { describe, expect, it } from 'vitest';
import {
  pruneLedger,
  readLedger,
  recordMessages,
  summarizeLedger,
  type SentMessage,
} from '../../src/shared/quota/ledger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import type { StateStore } from '../../src/shared/state/ports.js';
import { crashingAt } from './crashing-store.js';
import { limits, wholeLedger, wholeSummary } from './whole-ledger.js';

const now = new Date('2026-11-27T12:00:00Z');
/** n messages, one per minute going back from `now`, uid 1..n (oldest first), 2 recipients each. */
const sent = (n: number, firstUid = 1): SentMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    uid: firstUid + i,
    date: new Date(now.getTime() - (n - i) * 60_000),
    recipients: 2,
  }));

/** What a run reads (hour rows and the window's partial hours), checked against summing every minute bucket. */
async function totals(store: StateStore, mailbox = 'desk') {
  const st = await readLedger(store.ledger, mailbox, now);
  const s = summarizeLedger(st, now, limits);
  expect(s).toEqual(await wholeSummary(store.ledger, mailbox, now));
  return { recipients: s.recipients24h, messages: s.messages24h, lastUid: st.watermark?.value.lastUid };
}
const read = (store: StateStore) => readLedger(store.ledger, 'desk', now);

const input = (messages: SentMessage[], uidValidity = 7, finalLastUid = 0) => ({
  folder: 'Sent Items',
  uidValidity,
  messages,
  finalLastUid,
  now,
});

describe('sent-quota ledger', () => {
  it('counts in ≤100-operation transactions, each advancing the watermark', async () => {
    const store = createMemoryStore();
    const state = await read(store);
    const out = await recordMessages(store.ledger, 'desk', state, input(sent(250)));
    expect(out).toMatchObject({ transactions: 3, counted: 250, conflict: false });
    expect(await totals(store)).toEqual({ recipients: 500, messages: 250, lastUid: 250 });
    // The ledger as recorded stays in the state it was given: the caller need not read it again.
    expect(summarizeLedger(state, now, limits)).toEqual(await wholeSummary(store.ledger, 'desk', now));
    // Incremental: only UIDs above the watermark count; re-offering old ones changes nothing.
    const more = [...sent(250), { uid: 251, date: now, recipients: 3 }];
    await recordMessages(store.ledger, 'desk', await read(store), input(more));
    expect(await totals(store)).toEqual({ recipients: 503, messages: 251, lastUid: 251 });
  });

  it('another writer moved the watermark: stopped, and the state no longer summable (the caller reads again)', async () => {
    const store = createMemoryStore();
    await recordMessages(store.ledger, 'desk', await read(store), input(sent(10)));
    const stale = await read(store);
    await recordMessages(store.ledger, 'desk', await read(store), input(sent(12)));
    const out = await recordMessages(store.ledger, 'desk', stale, input(sent(14)));
    expect(out).toMatchObject({ conflict: true, counted: 0 });
    expect(stale.view).toBeUndefined();
    expect(await totals(store)).toEqual({ recipients: 24, messages: 12, lastUid: 12 });
  });

  it('a crash between two transactions neither loses nor double-counts', async () => {
    const store = createMemoryStore();
    const crashing = crashingAt(store, 2);
    await expect(
      recordMessages(crashing.ledger, 'desk', await read(store), input(sent(250))),
    ).rejects.toThrow('simulated crash');
    // A consistent prefix: exactly the first transaction's messages, with the watermark where it stopped.
    // One message a minute from 07:50: 99 rows hold 96 minutes and the hour rows of 07, 08 and 09.
    expect(await totals(store)).toEqual({ recipients: 192, messages: 96, lastUid: 96 });
    await recordMessages(store.ledger, 'desk', await read(store), input(sent(250)));
    expect(await totals(store)).toEqual({ recipients: 500, messages: 250, lastUid: 250 });
  });

  it('a UIDVALIDITY change starts a fresh generation; old rows stop counting and are pruned', async () => {
    const store = createMemoryStore();
    await recordMessages(store.ledger, 'desk', await read(store), input(sent(10)));
    await recordMessages(store.ledger, 'desk', await read(store), input(sent(4), 8, 4));
    expect(await totals(store)).toEqual({ recipients: 8, messages: 4, lastUid: 4 });
    const removed = await pruneLedger(store.ledger, 'desk', await read(store), now);
    expect(removed).toBe(11); // ten minute buckets and their hour row
    expect(await totals(store)).toEqual({ recipients: 8, messages: 4, lastUid: 4 });
  });

  it('a recount with the same UIDVALIDITY (other folder, lost watermark) never adds onto the old counts', async () => {
    const store = createMemoryStore();
    await recordMessages(store.ledger, 'desk', await read(store), input(sent(10)));
    // The same minutes again, as a recount of another folder would read them.
    const recount = { ...input(sent(4), 7, 4), recount: true, now: new Date(now.getTime() + 1) };
    const state = await read(store);
    await recordMessages(store.ledger, 'desk', state, recount);
    expect(await totals(store)).toEqual({ recipients: 8, messages: 4, lastUid: 4 });
    expect(summarizeLedger(state, now, limits)).toEqual(await wholeSummary(store.ledger, 'desk', now));
  });

  it('drops buckets older than 48 h and advances over empty UID ranges', async () => {
    const store = createMemoryStore();
    const old: SentMessage = { uid: 1, date: new Date(now.getTime() - 49 * 3_600_000), recipients: 5 };
    const day: SentMessage = { uid: 2, date: new Date(now.getTime() - 30 * 3_600_000), recipients: 5 };
    await recordMessages(store.ledger, 'desk', await read(store), input([old, day], 7, 9));
    const st = await read(store);
    // The 49 h old message advanced the watermark without a bucket (or an hour row).
    expect((await wholeLedger(store.ledger, 'desk')).buckets.length).toBe(1);
    expect((await wholeLedger(store.ledger, 'desk')).hours.size).toBe(1);
    expect(st.watermark?.value.lastUid).toBe(9);
    const later = new Date(now.getTime() + 20 * 3_600_000); // the 30 h old bucket is now 50 h old
    expect(await pruneLedger(store.ledger, 'desk', st, later)).toBe(2); // the bucket and its hour row
    expect((await store.ledger.list('desk')).map((r) => r.rowKey)).toEqual(['watermark']);
  });
});
