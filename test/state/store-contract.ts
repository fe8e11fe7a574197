/**
 * The one contract every StateStore passes (memory in store-memory.test.ts, Azurite in store-table.int.test.ts).
 * Each test uses its own partition so that runs against a shared Azurite never collide.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acquireLease, releaseLease } from '../../src/shared/state/lease.js';
import { updateWithRetry } from '../../src/shared/state/optimistic.js';
import type { ReviewEntity, StateStore } from '../../src/shared/state/ports.js';

const review = (n: number): ReviewEntity => ({ weeklyJunk: [{ week: '2026-11-23', junkMessages: n }] });
const pk = () => `mb-${randomUUID().slice(0, 8)}`;

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
      expect(a).toMatchObject({ held: true, holder: 'run-a' });
      const b = await acquireLease(s, p, 'run-b', 60_000, new Date(t0.getTime() + 30_000));
      expect(b).toEqual({ held: false, holder: 'run-a', until: new Date('2026-11-27T10:01:00Z') });
      const again = await acquireLease(s, p, 'run-a', 60_000, new Date(t0.getTime() + 30_000));
      expect(again).toMatchObject({ held: true, until: new Date('2026-11-27T10:01:30Z') });
    });

    it('lease: an expired lease is taken over; release by a non-holder does nothing', async () => {
      const s = await fresh();
      const p = pk();
      const t0 = new Date('2026-11-27T10:00:00Z');
      await acquireLease(s, p, 'crashed', 60_000, t0);
      expect(await releaseLease(s, p, 'intruder')).toBe(false);
      expect((await s.leases.get(p, 'run'))?.value.holder).toBe('crashed');
      const b = await acquireLease(s, p, 'run-b', 60_000, new Date(t0.getTime() + 60_001));
      expect(b).toMatchObject({ held: true, holder: 'run-b', tookOverFrom: 'crashed' });
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
      expect(outs.filter((o) => o.held).length).toBe(1);
      const winner = outs.find((o) => o.held)!.holder;
      for (const o of outs) expect(o.holder).toBe(winner);
    });
  });
}
