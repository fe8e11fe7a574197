/**
 * The scrubber: secret shapes go whatever their value, and an identity's own secrets go in every spelling they
 * travel in (raw, URL- and form-encoded, JSON-escaped, inside base64/base64url at any alignment).
 */
import { describe, expect, it } from 'vitest';
import { Scrubber, secretForms } from '../../src/shared/faults/index.js';

const SECRET = 'Tr0ub4dor&3 horse+battery/staple';

/** Every way the secret can be hidden in base64 of surrounding text, computed independently of the scrubber. */
function encodedInContext(secret: string): string[] {
  const out: string[] = [];
  for (const prefix of ['', 'a', 'ab', 'client_id=x&secret=']) {
    const b64 = Buffer.from(`${prefix}${secret}!tail`).toString('base64');
    out.push(b64, b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  }
  out.push(
    encodeURIComponent(secret),
    new URLSearchParams({ p: secret }).toString(),
    JSON.stringify({ secret }),
  );
  return out;
}

describe('scrubber', () => {
  it('removes an identity’s own secret in every spelling, wherever it sits', () => {
    const s = new Scrubber([SECRET]);
    for (const text of encodedInContext(SECRET)) {
      const out = s.scrub(`before ${text} after`);
      for (const form of secretForms(SECRET)) expect(out).not.toContain(form);
      expect(out).not.toContain(SECRET);
      expect(out).toContain('[redacted]');
    }
  });

  it('removes secret-shaped text whatever its value', () => {
    const s = new Scrubber();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const xoauth = Buffer.from(`user=a@b.c\x01auth=Bearer ${jwt}\x01\x01`).toString('base64');
    const cases: Array<[string, string]> = [
      [
        'AADSTS90014: Request body was: client_id=1&username=u&password=hunter22&grant_type=password',
        'hunter22',
      ],
      ['client_secret=s3cr3t%2Fv&scope=x', 's3cr3t'],
      ['client_assertion=abc.def.ghi&x=1', 'abc.def.ghi'],
      ['refresh_token=0.AAA-refresh&access_token=zzz-access', '0.AAA-refresh'],
      ['{"password":"p\\"w-d","user":"u"}', 'p\\"w-d'],
      ['Authorization: Bearer abc.DEF_ghi-123', 'abc.DEF_ghi-123'],
      [`token ${jwt} seen`, jwt],
      [`A1 AUTHENTICATE XOAUTH2 ${xoauth}`, xoauth],
      [`echo: ${xoauth}`, xoauth],
      [
        '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
        'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      ],
    ];
    for (const [text, secret] of cases) expect(s.scrub(text), text).not.toContain(secret);
    // Ordinary words survive.
    expect(s.scrub('SMTP AUTH XOAUTH2 failed: 535 5.7.3')).toBe('SMTP AUTH XOAUTH2 failed: 535 5.7.3');
    expect(s.scrub('NO [UNAVAILABLE] Mailbox is temporarily unavailable')).toBe(
      'NO [UNAVAILABLE] Mailbox is temporarily unavailable',
    );
  });

  it('scrubs every string of a nested value and keeps the rest', () => {
    const s = new Scrubber([SECRET]);
    const v = s.scrubDeep({ a: [`x ${SECRET}`], n: 3, d: { reply: `password=${SECRET}` } });
    expect(JSON.stringify(v)).not.toContain('Tr0ub4dor');
    expect(v.n).toBe(3);
  });
});
