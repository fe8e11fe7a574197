/**
 * The anti-spam header parser on its own: header blocks as Exchange Online writes them (formats from Microsoft
 * Learn, "Anti-spam message headers in Microsoft 365"), forged copies below them, and hostile bytes; then the hints
 * it allows.
 */
import { describe, expect, it } from 'vitest';
import { compileUserPattern } from '../../src/shared/config/user-pattern.js';
import { hintsFor } from '../../src/shared/review/hints.js';
import {
  microsoftVerdict,
  parseAuthenticationResults,
  topmostHeaders,
  verdictWords,
} from '../../src/shared/review/microsoft-verdict.js';
import { exchangeStamp } from './fixtures.js';

const block = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');

describe('microsoftVerdict', () => {
  it('reads what Exchange stamps, folded over lines, in words', () => {
    const v = microsoftVerdict(
      block(exchangeStamp({ cat: 'BULK', sfv: 'SPM', scl: 6, bcl: 7, dmarc: 'pass' })),
    );
    expect(v).toEqual({
      kind: 'bulk',
      cat: 'BULK',
      sfv: 'SPM',
      scl: 6,
      bcl: 7,
      spf: 'pass',
      dkim: 'pass',
      dmarc: 'pass',
      compauth: 'pass',
      compauthReason: '100',
    });
    expect(verdictWords(v)).toBe('Microsoft: bulk (BCL 7) · passed DMARC');
  });

  it.each([
    ['MALW', 'Microsoft: malware · failed DMARC'],
    ['HPHSH', 'Microsoft: high-confidence phishing · failed DMARC'],
    ['PHSH', 'Microsoft: phishing · failed DMARC'],
    ['UIMP', 'Microsoft: phishing (impersonation) · failed DMARC'],
    ['SPOOF', 'Microsoft: spoofed sender · failed DMARC'],
    ['HSPM', 'Microsoft: high-confidence spam (SCL 5) · failed DMARC'],
    ['SPM', 'Microsoft: spam (SCL 5) · failed DMARC'],
  ])('CAT:%s → %s', (cat, words) => {
    expect(verdictWords(microsoftVerdict(block(exchangeStamp({ cat, dmarc: 'fail' }))))).toBe(words);
  });

  it('keeps only the topmost instance of each header', () => {
    const forged = [
      ...exchangeStamp({ cat: 'SPOOF', dmarc: 'fail' }),
      'Authentication-Results: dmarc=pass header.from=x;compauth=pass reason=100',
      'X-Forefront-Antispam-Report: CAT:NONE;SFV:SKN;SCL:-1;',
    ];
    expect(microsoftVerdict(block(forged))).toMatchObject({ kind: 'spoof', dmarc: 'fail', compauth: 'fail' });
    expect(topmostHeaders(block(forged)).get('x-forefront-antispam-report')).toContain('CAT:SPOOF');
  });

  it('reads the RFC 8601 form with an authserv-id and comments, bestguesspass and softpass', () => {
    expect(
      parseAuthenticationResults(
        'mx.example.org; spf=none (no (nested) record) smtp.mailfrom=a.example; dmarc=bestguesspass ' +
          'action=none header.from=a.example; compauth=softpass reason=201; dmarc=fail',
      ),
    ).toEqual({ spf: 'none', dmarc: 'bestguesspass', compauth: 'softpass', compauthReason: '201' });
  });

  it('is undefined without any of the headers, and never throws on hostile bytes', () => {
    expect(microsoftVerdict(block(['Subject: hi']))).toBeUndefined();
    expect(microsoftVerdict(undefined)).toBeUndefined();
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'ABC:;=()\\"\r\n \t-9pasfildmrcCATSCLBCL\u0000\u00ff';
    for (let i = 0; i < 300; i++) {
      const junk = Array.from({ length: 200 + Math.floor(rand() * 2000) }, () =>
        alphabet.charAt(Math.floor(rand() * alphabet.length)),
      ).join('');
      const v = microsoftVerdict(
        `Authentication-Results: ${junk}\r\nX-Forefront-Antispam-Report: ${junk}\r\nX-Microsoft-Antispam: ${junk}`,
      );
      expect(verdictWords(v)).toMatch(/^Microsoft: [a-z0-9 ()·-]+$|^Microsoft: no verdict$/i);
    }
    // A megabyte of one header: capped, read in linear time.
    const huge = microsoftVerdict(`Authentication-Results: dmarc=pass;${'('.repeat(1_000_000)}`);
    expect(huge?.dmarc).toBe('pass');
  });
});

describe('hints under the verdict', () => {
  const known = { addresses: new Set(['attacker@phish.test']), domains: new Set(['phish.test']) };
  const ticket = compileUserPattern('\\[ESM-\\d+\\]');
  const verdict = (stamp: Parameters<typeof exchangeStamp>[0]) =>
    microsoftVerdict(block(exchangeStamp(stamp)));

  it('a known domain needs the mail itself to pass DMARC or compauth', () => {
    expect(hintsFor('other@phish.test', 'hello', known, ticket, verdict({ dmarc: 'fail' }))).toEqual({
      hints: [],
    });
    expect(hintsFor('other@phish.test', 'hello', known, ticket, undefined)).toEqual({ hints: [] });
    expect(hintsFor('other@phish.test', 'hello', known, ticket, verdict({ dmarc: 'pass' }))).toEqual({
      hints: ['known-domain'],
    });
    expect(
      hintsFor('other@phish.test', 'hello', known, ticket, verdict({ dmarc: 'none', compauth: 'pass' })),
    ).toEqual({ hints: ['known-domain'] });
  });

  it('phishing, malware and spoof verdicts earn no hint at all', () => {
    for (const cat of ['PHSH', 'HPHSH', 'MALW', 'SPOOF', 'DIMP'])
      expect(
        hintsFor('attacker@phish.test', 'Re: [ESM-1] hi', known, ticket, verdict({ cat, dmarc: 'pass' })),
        cat,
      ).toEqual({ hints: [] });
    expect(
      hintsFor('attacker@phish.test', 'Re: [ESM-1] hi', known, ticket, verdict({ dmarc: 'fail' })),
    ).toEqual({
      hints: ['reply-subject', 'ticket-number'],
      ticket: '[ESM-1]',
    });
  });
});
