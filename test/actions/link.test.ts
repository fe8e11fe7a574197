/** Action links: HMAC-SHA256 signing, key rotation, expiry, tampering, and the settings that enable them. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLinkIssuer } from '../../src/shared/actions/issue.js';
import { signLink, verifyLink, type ActionLink } from '../../src/shared/actions/link.js';
import { ManualClock } from '../../src/shared/clock.js';
import { readActionSettings } from '../../src/shared/config/action-settings.js';

const KEY = 'k'.repeat(20) + '-current-key-0123456789';
const OLD = 'o'.repeat(20) + '-previous-key-987654321';
const NOW = new Date('2026-11-23T07:00:00Z');
const link = (over: Partial<ActionLink> = {}): ActionLink => ({
  action: 'release',
  mailbox: 'servicedesk',
  folder: 'Junk Email',
  uidValidity: '1700000000',
  items: [
    {
      uid: 42,
      messageId: '<a1@customer.example>',
      subject: 'Re: [ESM-1] printer',
      from: 'anna@customer.example',
    },
  ],
  issuedAt: NOW.getTime(),
  expiresAt: NOW.getTime() + 8 * 86_400_000,
  nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
  ...over,
});
const payloadOf = (t: string) => JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString('utf8'));
const resign = (body: unknown, key: string) => {
  const p = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${p}.${createHmac('sha256', key).update(p).digest('base64url')}`;
};

describe('action links', () => {
  it('verifies what it signed, with the current or the previous key, and reports which', () => {
    const t = signLink(link(), KEY);
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const v = verifyLink(t, { current: KEY }, NOW);
    expect(v).toEqual({ ok: true, link: link(), key: 'current' });
    const old = signLink(link(), OLD);
    expect(verifyLink(old, { current: KEY, previous: OLD }, NOW)).toMatchObject({
      ok: true,
      key: 'previous',
    });
    expect(verifyLink(old, { current: KEY }, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a changed payload (another mailbox, another UID) and a changed or cut signature', () => {
    const t = signLink(link(), KEY);
    const body = payloadOf(t);
    const forged = `${Buffer.from(JSON.stringify({ ...body, m: 'other-desk' })).toString('base64url')}.${t.split('.')[1]}`;
    expect(verifyLink(forged, { current: KEY }, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    const uid = `${Buffer.from(JSON.stringify({ ...body, i: [{ ...body.i[0], u: 1 }] })).toString('base64url')}.${t.split('.')[1]}`;
    expect(verifyLink(uid, { current: KEY }, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    const sig = t.split('.')[1]!;
    const flipped = `${t.split('.')[0]}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect(verifyLink(flipped, { current: KEY }, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyLink(t.slice(0, -3), { current: KEY }, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLink(undefined, { current: KEY }, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLink('x'.repeat(9000), { current: KEY }, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('expires at the signed time; a signed but unexpected payload is malformed', () => {
    const t = signLink(link(), KEY);
    const last = new Date(NOW.getTime() + 8 * 86_400_000 - 1000);
    expect(verifyLink(t, { current: KEY }, last).ok).toBe(true);
    const after = verifyLink(t, { current: KEY }, new Date(NOW.getTime() + 8 * 86_400_000));
    expect(after).toMatchObject({ ok: false, reason: 'expired', link: { mailbox: 'servicedesk' } });
    const body = payloadOf(t);
    for (const bad of [
      { ...body, a: 'delete' },
      { ...body, uv: '-1' },
      { ...body, i: [] },
      { ...body, m: 'A B' },
    ])
      expect(verifyLink(resign(bad, KEY), { current: KEY }, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('carries no key and caps what it carries of the mail', () => {
    const long = link({
      items: [{ uid: 1, messageId: '<x@y>', subject: 'S'.repeat(500), from: 'f'.repeat(500) }],
    });
    const t = signLink(long, KEY);
    expect(t).not.toContain(KEY);
    expect(Buffer.from(t, 'utf8').toString()).not.toContain(Buffer.from(KEY).toString('base64url'));
    const v = verifyLink(t, { current: KEY }, NOW);
    expect(v.ok && [...v.link.items[0]!.subject].length).toBe(60);
    expect(() => signLink(link(), 'short')).toThrow(/at least 32/);
  });

  it('the issuer makes a fresh nonce per link and only when key and base URL are set', () => {
    const clock = new ManualClock(NOW);
    const env = { ACTION_LINK_KEY: KEY, ACTION_LINK_BASE_URL: 'https://mh.example.net/api/mailboxAction' };
    const issuer = createLinkIssuer(readActionSettings(env), clock)!;
    const req = {
      action: 'release' as const,
      mailbox: 'servicedesk',
      folder: 'Junk Email',
      uidValidity: '7',
      items: link().items,
    };
    const a = new URL(issuer.url(req));
    const b = new URL(issuer.url(req));
    expect(a.origin + a.pathname).toBe('https://mh.example.net/api/mailboxAction');
    expect(payloadOf(a.searchParams.get('t')!).n).not.toBe(payloadOf(b.searchParams.get('t')!).n);
    expect(createLinkIssuer(readActionSettings({ ACTION_LINK_KEY: KEY }), clock)).toBeUndefined();
  });

  it('settings name the bad setting, never its value', () => {
    const s = readActionSettings({
      ACTION_LINK_KEY: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/action-link-key)',
      ACTION_LINK_KEY_PREVIOUS: 'tooshort',
      ACTION_LINK_BASE_URL: 'http://mh.example.net/api/mailboxAction',
      ACTION_SIGN_IN_REQUIRED: 'true',
    });
    expect(s.keys).toBeUndefined();
    expect(s.baseUrl).toBeUndefined();
    expect(s.signInRequired).toBe(true);
    expect(s.problems.join('\n')).toMatch(/ACTION_LINK_KEY: the Key Vault reference did not resolve/);
    expect(s.problems.join('\n')).toMatch(/ACTION_LINK_KEY_PREVIOUS: expected at least 32/);
    expect(s.problems.join('\n')).toMatch(/ACTION_LINK_BASE_URL: expected an https:\/\/ URL/);
    expect(s.problems.join('\n')).not.toContain('tooshort');
    expect(
      readActionSettings({ ACTION_LINK_BASE_URL: 'http://127.0.0.1:7071/api/mailboxAction' }).baseUrl,
    ).toBe('http://127.0.0.1:7071/api/mailboxAction');
  });
});
