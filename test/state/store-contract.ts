/**
 * The one contract every StateStore passes (memory in store-memory.test.ts, Azurite in store-table.int.test.ts).
 * Each test uses its own partition so that runs against a shared Azurite never collide.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acquireLease, releaseLease } from '../../src/shared/state/lease.js';
import { updateWithRetry } from '../../src/shared/state/optimistic.js';
import { claimAction, finishAction, releasesSince } from '../../src/shared/actions/record.js';
import { claimSlot } from '../../src/shared/cycle/schedule-slot.js';
import {
  bucketRowKey,
  hourRowKey,
  readLedger,
  recordMessages,
  summarizeLedger,
} from '../../src/shared/quota/ledger.js';
import type { ActionEntity, ReviewEntity, StateStore } from '../../src/shared/state/ports.js';

const review = (n: number): ReviewEntity => ({ weeklyJunk: [{ week: '2026-11-23', junkMessages: n }] });
const pk = () => `mb-${randomUUID().slice(0, 8)}`;
const action = (over: Partial<ActionEntity> = {}): ActionEntity => ({
  action: 'release',
  state: 'claimed',
  moveAttempted: false,
  claimedAt: '2026-11-24T09:00:00.000Z',
  folder: 'Junk Email',
  destination: 'INBOX',
  issuedAt: '2026-11-23T07:00:00.000Z',
  expiresAt: '2026-12-01T07:00:00.000Z',
  keyUsed: 'current',
  items: [
    { uid: 7, messageId: '<m7@x.example>', subject: 'Re: hi', from: 'a@x.example', outcome: 'pending' },
  ],
  ...over,
});

export function runStoreContract(name: string, makeStore: () => Promise<StateStore>): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    const fresh = async () => (store ??= await makeStore());

    it('reads nothing for a missing row, then what was created; a second create is "exists"', async () => {
      const s = await fresh();
      const p = pk();
      expect(await s.review.get(p, 'spam')).toBeUndefined();
      const c = await s.review.create(p, 'spam', review(3));
      expect(c.ok).toBe(true);
      const got = await s.review.get(p, 'spam');
      expect(got?.value).toEqual(review(3));
      expect(got?.etag).toBe(c.ok ? c.etag : 'x');
      expect(await s.review.create(p, 'spam', review(4))).toEqual({ ok: false, reason: 'exists' });
      expect((await s.review.get(p, 'spam'))?.value).toEqual(review(3));
    });

    it('replaces with the current etag only: a stale etag conflicts and changes nothing', async () => {
      const s = await fresh();
      const p = pk();
      const c = await s.review.create(p, 'spam', review(1));
      if (!c.ok) throw new Error('create failed');
      const r1 = await s.review.replace(p, 'spam', review(2), c.etag);
      expect(r1.ok).toBe(true);
      expect(await s.review.replace(p, 'spam', review(9), c.etag)).toEqual({ ok: false, reason: 'conflict' });
      expect((await s.review.get(p, 'spam'))?.value).toEqual(review(2));
      expect(await s.review.replace(p, 'nothing', review(1), c.etag)).toMatchObject({ ok: false });
    });

    it('deletes a given version only; lists one partition in row-key order', async () => {
      const s = await fresh();
      const p = pk();
      const other = pk();
      await s.review.upsert(p, 'b', review(2));
      await s.review.upsert(p, 'a', review(1));
      await s.review.upsert(other, 'a', review(7));
      const listed = await s.review.list(p);
      expect(listed.map((r) => [r.rowKey, r.value.weeklyJunk[0]!.junkMessages])).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
      const a = listed[0]!;
      await s.review.upsert(p, 'a', review(5)); // a's etag is now stale
      expect(await s.review.delete(p, 'a', a.etag)).toEqual({ ok: false, reason: 'conflict' });
      expect((await s.review.delete(p, 'a')).ok).toBe(true);
      expect(await s.review.delete(p, 'a')).toEqual({ ok: false, reason: 'missing' });
      expect((await s.review.list(p)).map((r) => r.rowKey)).toEqual(['b']);
      expect((await s.review.list(other)).length).toBe(1);
    });

    it('applies a transaction all or nothing', async () => {
      const s = await fresh();
      const p = pk();
      const c = await s.review.create(p, 'w', review(0));
      if (!c.ok) throw new Error('create failed');
      await s.review.upsert(p, 'old', review(0));
      const ok = await s.review.transact(p, [
        { op: 'create', rowKey: 'n1', value: review(1) },
        { op: 'upsert', rowKey: 'n2', value: review(2) },
        { op: 'replace', rowKey: 'w', value: review(10), etag: c.etag },
        { op: 'delete', rowKey: 'old' },
      ]);
      expect(ok).toEqual({ ok: true });
      expect((await s.review.list(p)).map((r) => r.rowKey)).toEqual(['n1', 'n2', 'w']);
      // The watermark-style replace now carries a stale etag: nothing of this group may land.
      const bad = await s.review.transact(p, [
        { op: 'upsert', rowKey: 'n3', value: review(3) },
        { op: 'replace', rowKey: 'w', value: review(20), etag: c.etag },
      ]);
      expect(bad).toEqual({ ok: false, reason: 'conflict' });
      expect(await s.review.get(p, 'n3')).toBeUndefined();
      expect((await s.review.get(p, 'w'))?.value).toEqual(review(10));
      const dup = await s.review.transact(p, [{ op: 'create', rowKey: 'n1', value: review(1) }]);
      expect(dup).toEqual({ ok: false, reason: 'conflict' });
    });

    it('re-reads and re-applies on a lost race instead of overwriting', async () => {
      const s = await fresh();
      const p = pk();
      await s.review.create(p, 'spam', review(1));
      let raced = false;
      // Another writer lands between our read and our first write (awaited, so this holds for any store).
      const racy = {
        ...s.review,
        get: s.review.get.bind(s.review),
        create: s.review.create.bind(s.review),
        replace: async (...args: Parameters<typeof s.review.replace>) => {
          if (!raced) {
            raced = true;
            await s.review.upsert(p, 'spam', review(100));
          }
          return s.review.replace(...args);
        },
      };
      const out = await updateWithRetry(racy, p, 'spam', (cur) =>
        review((cur?.value.weeklyJunk[0]?.junkMessages ?? 0) + 1),
      );
      const final = await s.review.get(p, 'spam');
      expect(raced).toBe(true);
      expect(out?.value).toEqual(final?.value);
      expect(final?.value.weeklyJunk[0]?.junkMessages).toBe(101);
    });

    it('lease: a second holder is told who holds it until when; the holder renews', async () => {
      const s = await fresh();
      const p = pk();
      const t0 = new Date('2026-11-27T10:00:00Z');
      const a = await acquireLease(s, p, 'run-a', 60_000, t0);
      expect(a).toMatchObject({ ok: true, holder: 'run-a' });
      const b = await acquireLease(s, p, 'run-b', 60_000, new Date(t0.getTime() + 30_000));
      expect(b).toEqual({
        ok: false,
        reason: 'busy',
        holder: 'run-a',
        until: new Date('2026-11-27T10:01:00Z'),
      });
      const again = await acquireLease(s, p, 'run-a', 60_000, new Date(t0.getTime() + 30_000));
      expect(again).toMatchObject({ ok: true, until: new Date('2026-11-27T10:01:30Z') });
    });

    it('lease: an expired lease is taken over; release by a non-holder does nothing', async () => {
      const s = await fresh();
      const p = pk();
      const t0 = new Date('2026-11-27T10:00:00Z');
      await acquireLease(s, p, 'crashed', 60_000, t0);
      expect(await releaseLease(s, p, 'intruder')).toBe(false);
      expect((await s.leases.get(p, 'run'))?.value.holder).toBe('crashed');
      const b = await acquireLease(s, p, 'run-b', 60_000, new Date(t0.getTime() + 60_001));
      expect(b).toMatchObject({ ok: true, holder: 'run-b', tookOverFrom: 'crashed' });
      expect(await releaseLease(s, p, 'crashed')).toBe(false);
      expect(await releaseLease(s, p, 'run-b')).toBe(true);
      expect(await s.leases.get(p, 'run')).toBeUndefined();
    });

    it('lease: of two runners racing for a free lease exactly one wins', async () => {
      const s = await fresh();
      const p = pk();
      const now = new Date('2026-11-27T10:00:00Z');
      const outs = await Promise.all([
        acquireLease(s, p, 'x', 60_000, now),
        acquireLease(s, p, 'y', 60_000, now),
        acquireLease(s, p, 'z', 60_000, now),
      ]);
      expect(outs.filter((o) => o.ok).length).toBe(1);
      const winner = outs.find((o) => o.ok)!.holder;
      for (const o of outs) expect(o.holder).toBe(winner);
    });
    // ── actions: single-use action links ──
    it('actions: of concurrent claims of one nonce exactly one wins; the others read its row', async () => {
      const s = await fresh();
      const p = pk();
      const outs = await Promise.all(
        ['a', 'b', 'c'].map((u) => claimAction(s, p, 'nonce-1', action({ user: u }))),
      );
      const winners = outs.filter((o) => o.ok);
      expect(winners).toHaveLength(1);
      const row = await s.actions.get(p, 'nonce-1');
      for (const o of outs) if (!o.ok) expect(o.existing.value.user).toBe(row?.value.user);
      expect(await s.actions.create(p, 'nonce-1', action())).toEqual({ ok: false, reason: 'exists' });
    });

    it('actions: a claim that failed before any MOVE may be taken again, a finished one never', async () => {
      const s = await fresh();
      const p = pk();
      const first = await claimAction(s, p, 'n2', action());
      if (!first.ok) throw new Error('not claimed');
      expect(
        await finishAction(s, p, 'n2', first.etag, action({ state: 'failed', moveAttempted: false })),
      ).toBe(true);
      const retry = await claimAction(s, p, 'n2', action({ user: 'second' }));
      expect(retry).toMatchObject({ ok: true, retry: true });
      if (!retry.ok) return;
      const done = action({
        state: 'done',
        moveAttempted: true,
        finishedAt: '2026-11-24T09:01:00.000Z',
        user: 'second',
      });
      expect(await finishAction(s, p, 'n2', first.etag, done)).toBe(false); // the stale claim cannot finish it
      expect(await finishAction(s, p, 'n2', retry.etag, done)).toBe(true);
      const replay = await claimAction(s, p, 'n2', action({ user: 'third' }));
      expect(replay).toMatchObject({
        ok: false,
        reason: 'already-claimed',
        existing: { value: { state: 'done', user: 'second' } },
      });
    });

    it('actions: releases since a time, oldest first, done releases only', async () => {
      const s = await fresh();
      const p = pk();
      const at = (h: number) => new Date(Date.UTC(2026, 10, 23, h)).toISOString();
      await s.actions.upsert(p, 'r1', action({ state: 'done', finishedAt: at(10) }));
      await s.actions.upsert(p, 'r0', action({ state: 'done', finishedAt: at(2) }));
      await s.actions.upsert(p, 'r2', action({ state: 'done', finishedAt: at(8) }));
      await s.actions.upsert(p, 'f', action({ state: 'failed', finishedAt: at(9) }));
      await s.actions.upsert(p, 'o', action({ action: 'move-oversized', state: 'done', finishedAt: at(9) }));
      const got = await releasesSince(s, p, new Date(at(5)));
      expect(got.map((r) => r.finishedAt)).toEqual([at(8), at(10)]);
    });

    // ── slots: one claim per schedule occurrence ──
    it('slots: of concurrent claims of one occurrence exactly one wins; an earlier one counts as done', async () => {
      const s = await fresh();
      const timer = `spamReview-${pk()}`;
      const slot = new Date('2026-11-30T07:00:00Z');
      const now = new Date('2026-11-30T07:00:02Z');
      const outs = await Promise.all(
        ['run-a', 'run-b', 'run-c'].map((id) => claimSlot(s, timer, '_all', slot, id, now)),
      );
      expect(outs.filter((o) => o.ok)).toHaveLength(1);
      const older = await claimSlot(s, timer, '_all', new Date('2026-11-23T07:00:00Z'), 'late', now);
      expect(older).toMatchObject({ ok: false, reason: 'already-done', doneSlot: '2026-11-30T07:00:00Z' });
    });

    // ── ledger: the sent-quota counts and their watermark ──
    it('ledger: counts land with their watermark; a writer holding a stale watermark changes nothing', async () => {
      const s = await fresh();
      const p = pk();
      const now = new Date('2026-11-27T12:00:00Z');
      const sent = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => ({
          uid: from + i,
          date: new Date(now.getTime() - (n - i) * 60_000),
          recipients: 2,
        }));
      const input = (messages: ReturnType<typeof sent>) => ({
        folder: 'Sent Items',
        uidValidity: 9,
        messages,
        finalLastUid: 0,
        now,
      });
      const before = await readLedger(s.ledger, p, now);
      const first = await recordMessages(s.ledger, p, before, input(sent(1, 150)));
      expect(first).toMatchObject({ transactions: 2, counted: 150, conflict: false });
      // A second writer that read the ledger before the first wrote: its watermark create is refused.
      const staleState = {};
      const stale = await recordMessages(s.ledger, p, staleState, input(sent(1, 3)));
      expect(stale.conflict).toBe(true);
      const after = await readLedger(s.ledger, p, now);
      expect(after.watermark?.value.lastUid).toBe(150);
      const limits = { recipientsPerDay: 10_000, messagesPerMinute: 30, warnPercent: 80, critPercent: 95 };
      expect(summarizeLedger(after, now, limits).recipients24h).toBe(300);
      // The first writer's ledger as recorded is what the store holds; the refused one's is not summable.
      expect(summarizeLedger(before, now, limits)).toEqual(summarizeLedger(after, now, limits));
      expect(staleState).toEqual({});
    });

    it('ledger: a row-key range holds the rows of one generation and those minutes, in order, and no other', async () => {
      const s = await fresh();
      const p = pk();
      const at = (hhmm: string) => new Date(`2026-11-27T${hhmm}:00Z`);
      const bucket = (generation: string, m: string) => ({
        kind: 'bucket' as const,
        generation,
        minute: at(m).toISOString(),
        messages: 1,
        recipients: 1,
      });
      // `7.123` is a prefix of `7.1234`: the keys must still keep the two generations apart.
      for (const [g, m] of [
        ['7.123', '10:59'],
        ['7.123', '11:00'],
        ['7.123', '11:30'],
        ['7.123', '12:00'],
        ['7.1234', '11:15'],
        ['7.12', '11:15'],
      ] as const)
        await s.ledger.upsert(p, bucketRowKey(g, at(m)), bucket(g, m));
      const hour = { kind: 'hour' as const, generation: '7.123', hour: at('11:00').toISOString() };
      const h = { ...hour, messages: 2, recipients: 2, busiestMinute: hour.hour, busiestMessages: 1 };
      await s.ledger.upsert(p, hourRowKey('7.123', at('11:00')), h);
      const got = await s.ledger.range(p, {
        from: bucketRowKey('7.123', at('11:00')),
        to: bucketRowKey('7.123', at('12:00')),
      });
      expect(got.map((r) => r.value)).toEqual([bucket('7.123', '11:00'), bucket('7.123', '11:30')]);
      expect(got.map((r) => r.rowKey)).toEqual([
        bucketRowKey('7.123', at('11:00')),
        bucketRowKey('7.123', at('11:30')),
      ]);
      const hours = await s.ledger.range(p, {
        from: hourRowKey('7.123', at('00:00')),
        to: hourRowKey('7.123', at('23:00')),
      });
      expect(hours.map((r) => r.value)).toEqual([h]);
      expect(await s.ledger.range(p, { from: 'b-', to: 'b-' })).toEqual([]);
      const first = await s.ledger.range(p, { from: 'b-', to: 'c', limit: 2 });
      expect(first.map((r) => r.rowKey)).toEqual([
        bucketRowKey('7.12', at('11:15')),
        bucketRowKey('7.123', at('10:59')),
      ]);
    });
  });
}
