/**
 * The demo's memory IMAP server with XOAUTH2 decided by the lab's Entra emulator (as `npm run demo` wires it when
 * Dovecot is missing): a delegated token of the mailbox's user with IMAP.AccessAsUser.All opens the mailbox; a
 * token of another user, or without the IMAP scope, does not. TLS here uses a test CA passed explicitly.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemoryImap, type MemoryImapServer } from '../../lab/memory-imap.js';
import { lab } from '../helpers/lab.js';
import { rawMessage } from './fixtures.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';

const l = lab();
const tenantId = `${l.unique('review')}.example`;
const clientId = '6d1f6f6a-0b7e-4c55-9a43-2b2a5f9f0c11';
const upn = `desk@${tenantId}`;
const other = `other@${tenantId}`;
let ca: TestCa;
let server: MemoryImapServer;

beforeAll(async () => {
  await l.addTenant(tenantId, [tenantId]);
  await l.addUser(tenantId, { upn, password: 'unused-1!' });
  await l.addUser(tenantId, { upn: other, password: 'unused-2!' });
  await l.addApp(tenantId, {
    clientId,
    publicClient: true,
    delegatedScopes: ['IMAP.AccessAsUser.All', 'SMTP.Send'],
  });
  ca = makeTestCa();
  server = await startMemoryImap({
    mailbox: upn,
    tls: { key: ca.keyPem, cert: ca.certPem },
    // Exchange's rule for a delegated token: the mailbox's own user, with the IMAP scope.
    validateToken: async (user, token) => {
      const v = await l.validateToken(token);
      return (
        v.ok &&
        v.kind === 'delegated' &&
        v.upn?.toLowerCase() === user.toLowerCase() &&
        v.scopes.includes('IMAP.AccessAsUser.All')
      );
    },
    seed: { 'Junk Email': [{ raw: rawMessage({ from: 'x@spam.example', subject: 'hi' }) }] },
  });
});
afterAll(async () => {
  await server?.close();
  ca?.cleanup();
});

async function login(token: string): Promise<boolean> {
  const c = new ImapFlow({
    host: 'localhost',
    port: server.port,
    secure: true,
    auth: { user: upn, accessToken: token },
    logger: false,
    tls: { ca: ca.caPem },
  });
  try {
    await c.connect();
    const st = await c.status('Junk Email', { messages: true });
    await c.logout();
    return st.messages === 1;
  } catch (err) {
    c.close();
    if ((err as { authenticationFailed?: boolean }).authenticationFailed) return false;
    throw err;
  }
}

describe('memory IMAP server with the lab Entra emulator', () => {
  it("accepts the mailbox user's IMAP token and refuses other users' and non-IMAP tokens", async () => {
    const good = await l.mintToken({ tenantId, clientId, upn, scopes: ['IMAP.AccessAsUser.All'] });
    const otherUser = await l.mintToken({
      tenantId,
      clientId,
      upn: other,
      scopes: ['IMAP.AccessAsUser.All'],
    });
    const smtpOnly = await l.mintToken({ tenantId, clientId, upn, scopes: ['SMTP.Send'] });
    expect(await login(good.access_token)).toBe(true);
    expect(await login(otherUser.access_token)).toBe(false);
    expect(await login(smtpOnly.access_token)).toBe(false);
    expect(await login(good.access_token.slice(0, -4) + 'AAAA')).toBe(false);
    expect(server.stats()).toMatchObject({ authenticated: 1, authFailures: 3 });
  });
});
