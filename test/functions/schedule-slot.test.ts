/** The slot a timer invocation serves, read from what the host hands over; claims against the memory store. */
import { describe, expect, it } from 'vitest';
import { claimSlot, slotKey, slotOf } from '../../src/shared/cycle/schedule-slot.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

const now = new Date('2026-12-01T07:00:03.200Z');

describe('slotOf', () => {
  it('is the status’s next occurrence — the one being served, also when past due', () => {
    expect(slotOf({ isPastDue: false, scheduleStatus: { next: '2026-12-01T07:00:00+00:00' } }, now)).toEqual({
      slot: new Date('2026-12-01T07:00:00Z'),
      source: 'schedule-status',
    });
    // A time without a zone is UTC (Flex Consumption timers run in UTC).
    expect(slotOf({ isPastDue: true, scheduleStatus: { next: '2026-11-30T07:00:00' } }, now).slot).toEqual(
      new Date('2026-11-30T07:00:00Z'),
    );
  });

  it('falls back to the firing second without a status, or when next lies ahead (a manual run)', () => {
    expect(slotOf({ isPastDue: false, scheduleStatus: null }, now)).toEqual({
      slot: new Date('2026-12-01T07:00:03Z'),
      source: 'firing-time',
    });
    const ahead = slotOf({ isPastDue: false, scheduleStatus: { next: '2026-12-08T07:00:00Z' } }, now);
    expect(ahead.source).toBe('firing-time');
    expect(slotKey(ahead.slot)).toBe('2026-12-01T07:00:03Z');
  });
});

describe('claimSlot', () => {
  it('claims a slot once; an older slot counts as done; a released claim can be taken again', async () => {
    const store = createMemoryStore();
    const s1 = new Date('2026-11-23T07:00:00Z');
    const s2 = new Date('2026-11-30T07:00:00Z');
    const a = await claimSlot(store, 'spamReview', 'desk', s1, 'run-a', now);
    expect(a.ok).toBe(true);
    expect(await claimSlot(store, 'spamReview', 'desk', s1, 'run-b', now)).toMatchObject({
      ok: false,
      reason: 'already-done',
      doneBy: 'run-a',
    });
    const c = await claimSlot(store, 'spamReview', 'desk', s2, 'run-c', now);
    expect(c.ok).toBe(true);
    expect((await claimSlot(store, 'spamReview', 'desk', s1, 'late', now)).ok).toBe(false);
    if (c.ok) await c.release();
    expect((await claimSlot(store, 'spamReview', 'desk', s2, 'retry', now)).ok).toBe(true);
    // Other mailboxes and timers have their own rows.
    expect((await claimSlot(store, 'spamReview', 'other', s1, 'x', now)).ok).toBe(true);
    expect((await claimSlot(store, 'dispatchChecks', 'desk', s1, 'x', now)).ok).toBe(true);
  });

  it('two claims of one slot racing: exactly one wins', async () => {
    const store = createMemoryStore();
    const s = new Date('2026-11-30T07:00:00Z');
    const out = await Promise.all(
      [1, 2, 3, 4].map((i) => claimSlot(store, 'spamReview', 'desk', s, `run-${i}`, now)),
    );
    expect(out.filter((o) => o.ok)).toHaveLength(1);
  });
});
