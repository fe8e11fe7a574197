/**
 * The demo's in-memory IMAP server, driven by imapflow exactly as the checks drive Exchange Online: implicit TLS
 * (verified against a test CA), AUTHENTICATE XOAUTH2 with SASL-IR, LIST, STATUS, EXAMINE, UID SEARCH, UID FETCH.
 */
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemoryImap, type MemoryImapServer } from '../../lab/memory-imap.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';
import { encodedWord, rawMessage } from './fixtures.js';

const MAILBOX = 'servicedesk@contoso.com';
const GOOD = 'good-token-abc';
let ca: TestCa;
let server: MemoryImapServer;
const seenTokens: string[] = [];

function client(opts: { token?: string; user?: string; ca?: string | null } = {}): ImapFlow {
  return new ImapFlow({
    host: 'localhost',
    port: server.port,
    secure: true,
    auth: { user: opts.user ?? MAILBOX, accessToken: opts.token ?? GOOD },
    logger: false,
    tls: opts.ca === null ? {} : { ca: opts.ca ?? ca.caPem },
    connectionTimeout: 5000,
  });
}

beforeAll(async () => {
  ca = makeTestCa();
  server = await startMemoryImap({
    mailbox: MAILBOX,
    tls: { key: ca.keyPem, cert: ca.certPem },
    validateToken: (user, token) => {
      seenTokens.push(token);
      return user === MAILBOX && token === GOOD;
    },
    seed: {
      INBOX: [
        {
          raw: rawMessage({ from: 'Customer <c@customer.example>', subject: 'Printer broken' }),
          internalDate: new Date('2026-11-23T08:00:00Z'),
        },
      ],
      'Junk Email': [
        {
          raw: rawMessage({
            from: 'Spam <s@spam.example>',
            subject: encodedWord('<script>alert(1)</script>'),
          }),
          flags: ['\\Seen'],
          internalDate: new Date('2026-11-20T09:30:00Z'),
        },
        {
          raw: rawMessage({ from: 'Big <b@big.example>', subject: 'Huge', body: 'x'.repeat(20_000) }),
          internalDate: new Date('2026-11-25T12:00:00Z'),
        },
      ],
    },
  });
});
afterAll(async () => {
  await server?.close();
  ca?.cleanup();
});

describe('memory IMAP server', () => {
  it('logs imapflow in with XOAUTH2 over TLS and serves LIST, STATUS, SEARCH and FETCH read-only', async () => {
    const c = client();
    await c.connect();
    try {
      // Exchange does not advertise SPECIAL-USE: neither do we by default.
      expect(c.capabilities.has('SPECIAL-USE')).toBe(false);
      const paths = (await c.list()).map((f) => f.path).sort();
      expect(paths).toEqual(['Deleted Items', 'Drafts', 'INBOX', 'Junk Email', 'Sent Items']);
      const st = await c.status('Junk Email', { messages: true, unseen: true });
      expect(st).toMatchObject({ messages: 2, unseen: 1 });

      const box = await c.mailboxOpen('Junk Email', { readOnly: true });
      expect(box.readOnly).toBe(true);
      expect(await c.search({ larger: 10_000 }, { uid: true })).toEqual([2]);
      expect(await c.search({ since: new Date('2026-11-24T00:00:00Z') }, { uid: true })).toEqual([2]);
      expect(await c.search({ seen: false }, { uid: true })).toEqual([2]);
      expect(await c.search({ all: true }, { uid: true })).toEqual([1, 2]);

      const got = [];
      for await (const m of c.fetch(
        '1:*',
        {
          uid: true,
          flags: true,
          envelope: true,
          internalDate: true,
          size: true,
          source: { start: 0, maxLength: 6 },
        },
        { uid: true },
      )) {
        got.push(m);
      }
      expect(got.map((m) => m.uid)).toEqual([1, 2]);
      // imapflow decodes the encoded word: the markup arrives as text, for the digest to escape.
      expect(got[0]?.envelope?.subject).toBe('<script>alert(1)</script>');
      expect(got[0]?.envelope?.from?.[0]?.address).toBe('s@spam.example');
      expect(new Date(got[0]?.internalDate ?? 0).toISOString()).toBe('2026-11-20T09:30:00.000Z');
      expect(got[1]?.size).toBeGreaterThan(20_000);
      expect(got[1]?.source?.toString()).toBe('From: ');
    } finally {
      await c.logout();
    }
    // BODY.PEEK in a read-only session changed no flag.
    expect(server.messages('Junk Email').map((m) => m.flags)).toEqual([['\\Seen'], []]);
    const cmds = server.stats().commands;
    expect(cmds).toContain('AUTHENTICATE XOAUTH2');
    expect(cmds).toContain('EXAMINE');
    expect(cmds).not.toContain('SELECT');
    expect(cmds).not.toContain('UID STORE');
    // The command log never holds the token.
    expect(JSON.stringify(cmds)).not.toContain(GOOD);
  });

  it("refuses a bad token with Exchange's reply, and a good token for another user", async () => {
    const before = server.stats().authFailures;
    const bad = client({ token: 'forged' });
    const err = await bad.connect().then(
      () => undefined,
      (e: unknown) => e as { authenticationFailed?: boolean; response?: string },
    );
    bad.close();
    expect(err?.authenticationFailed).toBe(true);
    expect(err?.response).toContain('AUTHENTICATE failed.');
    expect(seenTokens).toContain('forged');

    const other = client({ user: 'someone@contoso.com' });
    const err2 = await other.connect().then(
      () => undefined,
      (e: unknown) => e as { authenticationFailed?: boolean },
    );
    other.close();
    expect(err2?.authenticationFailed).toBe(true);
    expect(server.stats().authFailures).toBe(before + 2);
  });

  it('speaks TLS only, with a certificate a client must verify', async () => {
    // A client without the test CA rejects the server: verification is on and the cert is the CA's.
    const untrusted = await new Promise<string>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: server.port, servername: 'localhost' });
      s.once('secureConnect', () => resolve('connected'));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(untrusted).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    // A clear-text client never sees an IMAP greeting.
    const plain = await new Promise<string>((resolve) => {
      let buf = '';
      const s = netConnect({ host: '127.0.0.1', port: server.port });
      s.on('data', (d) => (buf += d.toString('latin1')));
      s.write('a1 CAPABILITY\r\n');
      setTimeout(() => {
        s.destroy();
        resolve(buf);
      }, 300);
    });
    expect(plain).not.toContain('* OK');
  });

  it('advertises SPECIAL-USE only when asked to', async () => {
    const su = await startMemoryImap({
      mailbox: MAILBOX,
      tls: { key: ca.keyPem, cert: ca.certPem },
      validateToken: (_u, t) => t === GOOD,
      specialUse: true,
    });
    const c = new ImapFlow({
      host: 'localhost',
      port: su.port,
      secure: true,
      auth: { user: MAILBOX, accessToken: GOOD },
      logger: false,
      tls: { ca: ca.caPem },
    });
    try {
      await c.connect();
      expect(c.capabilities.has('SPECIAL-USE')).toBe(true);
      const junk = (await c.list()).find((f) => f.path === 'Junk Email');
      expect(junk?.specialUse).toBe('\\Junk');
      await c.logout();
    } finally {
      await su.close();
    }
  });
});
