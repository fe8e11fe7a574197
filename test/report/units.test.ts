import { describe, expect, it } from 'vitest';
import { formatCount, plural } from '../../src/shared/report/units.js';
import { rng } from '../../lab/rng.js';

describe('formatCount', () => {
  it('groups thousands exactly as en-US number formatting does, without loading it per process', () => {
    const rand = rng(20261201);
    const samples = [
      0, 1, 9, 10, 999, 1000, 1001, 9999, 10_000, 99_999, 100_000, 999_999, 1_000_000, 12_345_678,
    ];
    for (let i = 0; i < 500; i++) samples.push(Math.floor(rand() * 10 ** Math.floor(rand() * 16)));
    for (const n of [...samples, ...samples.map((x) => -x - 1), 1234.5, 1234.49, -1234.5, 2 ** 53]) {
      // ICU writes -0 as "-0"; a count rounded to nothing is 0.
      const expected = Object.is(Math.round(n), -0) ? '0' : Math.round(n).toLocaleString('en-US');
      expect(formatCount(n), String(n)).toBe(expected);
    }
  });

  it('says ? for what is not a number, and pluralises by the count', () => {
    expect([formatCount(NaN), formatCount(Infinity), formatCount(-Infinity)]).toEqual(['?', '?', '?']);
    expect([plural(1, 'mail'), plural(8500, 'mail'), plural(0, 'message')]).toEqual([
      '1 mail',
      '8,500 mails',
      '0 messages',
    ]);
  });
});
