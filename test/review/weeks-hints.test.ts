/** Pure parts of the review: ISO weeks in UTC, reply-subject detection, hints, and the state-table adapter. */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { compileUserPattern } from '../../src/shared/config/user-pattern.js';
import { hintsFor, isReplySubject } from '../../src/shared/review/hints.js';
import { reviewStoreFrom } from '../../src/shared/review/store-adapter.js';
import { isoWeekLabel, lastWeeks, weekKey } from '../../src/shared/review/weeks.js';

describe('ISO weeks (UTC)', () => {
  it('starts weeks on Monday 00:00 UTC and numbers them per ISO 8601', () => {
    expect(weekKey(new Date('2026-11-23T00:00:00Z'))).toBe('2026-11-23'); // a Monday
    expect(weekKey(new Date('2026-11-22T23:59:59Z'))).toBe('2026-11-16'); // Sunday night belongs to the week before
    expect(weekKey(new Date('2026-11-29T12:00:00Z'))).toBe('2026-11-23');
    expect(isoWeekLabel('2026-11-23')).toBe('2026-W48');
    // 2026-12-28 .. 2027-01-03 is 2026-W53; 2024-12-30 is 2025-W01.
    expect(isoWeekLabel('2026-12-28')).toBe('2026-W53');
    expect(isoWeekLabel('2024-12-30')).toBe('2025-W01');
    expect(lastWeeks(new Date('2026-11-23T07:00:00Z'), 3)).toEqual([
      '2026-11-09',
      '2026-11-16',
      '2026-11-23',
    ]);
  });
});

describe('hints', () => {
  it('recognises reply prefixes in the languages desks meet, and nothing else', () => {
    for (const s of [
      'Re: x',
      'RE: x',
      'AW: x',
      'SV: x',
      'VS: x',
      'Antw: x',
      'Odp: x',
      'RIF: x',
      'Re[2]: x',
      '[EXT] Re: x',
      '回复：x',
      'ΑΠ: x',
    ])
      expect(isReplySubject(s), s).toBe(true);
    for (const s of ['Regarding: x', 'Rebate offer', 'Svar later', 'Your invoice', 'Fwd: x', ''])
      expect(isReplySubject(s), s).toBe(false);
  });

  it('prefers known-sender over known-domain and extracts the ticket number', () => {
    const known = { addresses: new Set(['anna@customer.example']), domains: new Set(['customer.example']) };
    const re = compileUserPattern('\\[ESM-\\d+\\]');
    const passed = { kind: 'spam', dmarc: 'pass' } as const;
    expect(hintsFor('Anna@Customer.example', 'hello', known, re, passed)).toEqual({
      hints: ['known-sender'],
    });
    expect(hintsFor('bob@customer.example', 'Re: [ESM-77] hi', known, re, passed)).toEqual({
      hints: ['known-domain', 'reply-subject', 'ticket-number'],
      ticket: '[ESM-77]',
    });
    expect(hintsFor('x@other.example', 'ESM-77', known, re)).toEqual({ hints: [] });
  });
});

describe('reviewStoreFrom(state)', () => {
  it('round-trips the record through the state review table and overwrites on the next review', async () => {
    const state = createMemoryStore();
    const store = reviewStoreFrom(state);
    expect(await store.get('desk')).toBeUndefined();
    await store.put('desk', {
      lastReviewAt: '2026-11-16T07:00:00.000Z',
      weeklyJunk: [{ week: '2026-11-16', junkMessages: 4 }],
    });
    await store.put('desk', {
      lastReviewAt: '2026-11-23T07:00:00.000Z',
      weeklyJunk: [{ week: '2026-11-23', junkMessages: 1 }],
    });
    expect(await store.get('desk')).toEqual({
      lastReviewAt: '2026-11-23T07:00:00.000Z',
      weeklyJunk: [{ week: '2026-11-23', junkMessages: 1 }],
    });
    const row = await state.review.get('desk', 'spam');
    expect(row?.value.weeklyJunk).toEqual([{ week: '2026-11-23', junkMessages: 1 }]);
    expect(await store.get('other')).toBeUndefined();
  });
});
