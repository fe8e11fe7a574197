import { describe, expect, it } from 'vitest';
import { formatUtc, summarize, type Bucket } from '../../src/shared/quota/window.js';

const limits = { recipientsPerDay: 10_000, messagesPerMinute: 30, warnPercent: 80, critPercent: 95 };
const b = (iso: string, recipients: number, messages = 1): Bucket => ({
  minute: new Date(iso),
  messages,
  recipients,
});

describe('rolling 24 h window', () => {
  it('counts across midnight and lets a minute expire exactly 24 h after it ended', () => {
    const buckets = [
      b('2026-11-26T23:50:00Z', 100),
      b('2026-11-27T00:10:00Z', 50),
      b('2026-11-27T23:59:00Z', 7),
    ];
    // 23:50:30 next day: part of the 23:50 minute is still inside the window.
    expect(summarize(buckets, new Date('2026-11-27T23:50:30Z'), limits).recipients24h).toBe(150);
    // 23:51:00: the 23:50 minute has fully left it.
    expect(summarize(buckets, new Date('2026-11-27T23:51:00Z'), limits).recipients24h).toBe(50);
    expect(summarize(buckets, new Date('2026-11-28T00:05:00Z'), limits).recipients24h).toBe(57);
    // A bucket in the future (clock skew) is not counted yet.
    expect(summarize(buckets, new Date('2026-11-27T12:00:00Z'), limits).recipients24h).toBe(150);
  });

  it('reports % of the limit, WARN at 80 %, CRIT at 95 % and the busiest minute against 30/min', () => {
    const now = new Date('2026-11-27T12:00:00Z');
    expect(summarize([b('2026-11-27T08:00:00Z', 7_999)], now, limits)).toMatchObject({
      quotaPercent: 80,
      status: 'WARN',
    });
    expect(summarize([b('2026-11-27T08:00:00Z', 7_990)], now, limits)).toMatchObject({
      quotaPercent: 79.9,
      status: 'OK',
    });
    expect(summarize([b('2026-11-27T08:00:00Z', 9_500)], now, limits).status).toBe('CRIT');
    const burst = summarize(
      [b('2026-11-27T08:00:00Z', 40, 31), b('2026-11-27T09:00:00Z', 5, 5)],
      now,
      limits,
    );
    expect(burst.busiestMinute).toEqual({ minute: new Date('2026-11-27T08:00:00Z'), messages: 31 });
    expect(burst.status).toBe('WARN');
  });

  it("projects when the limit is reached at the last hour's rate", () => {
    const now = new Date('2026-11-27T11:00:00Z');
    const s = summarize([b('2026-11-27T02:00:00Z', 7_400), b('2026-11-27T10:30:00Z', 600)], now, limits);
    expect(s.recipientsLastHour).toBe(600);
    // 2,000 left at 600/h = 200 minutes → 14:20.
    expect(formatUtc(s.projectedLimitAt!)).toBe('2026-11-27 14:20 UTC');
    expect(summarize([b('2026-11-27T02:00:00Z', 100)], now, limits).projectedLimitAt).toBeUndefined();
  });
});
