import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  isTransientOAuthError,
  isTransientStatus,
  nextRetryDelay,
  parseRetryAfter,
} from '../../src/shared/auth/index.js';

const P = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 10_000, reserveMs: 5_000 };

describe('retry policy', () => {
  it('knows what is transient', () => {
    expect([429, 500, 503, 504].map(isTransientStatus)).toEqual([true, true, true, true]);
    expect([200, 400, 401, 404].map(isTransientStatus)).toEqual([false, false, false, false]);
    expect(isTransientOAuthError('temporarily_unavailable')).toBe(true);
    expect(isTransientOAuthError('invalid_grant')).toBe(false);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('backs off exponentially without Retry-After', () => {
    expect([0, 1, 2].map((r) => nextRetryDelay(r, undefined, 60_000, P))).toEqual([500, 1000, 2000]);
    expect(nextRetryDelay(3, undefined, 60_000, P)).toBeUndefined();
  });

  it('honours Retry-After but gives up when it exceeds the cap', () => {
    expect(nextRetryDelay(0, 3000, 60_000, P)).toBe(3000);
    expect(nextRetryDelay(0, 30_000, 60_000, P)).toBeUndefined();
  });

  it('never waits into the time reserved for IMAP and SMTP', () => {
    expect(nextRetryDelay(0, 3000, 8_000, P)).toBe(3000);
    expect(nextRetryDelay(0, 3000, 7_999, P)).toBeUndefined();
    expect(nextRetryDelay(0, undefined, 5_400, P)).toBeUndefined();
  });

  it('has a bounded default', () => {
    expect(DEFAULT_RETRY_POLICY.maxRetries).toBeLessThanOrEqual(5);
    expect(DEFAULT_RETRY_POLICY.maxDelayMs).toBeLessThanOrEqual(30_000);
  });
});
