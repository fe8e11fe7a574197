/**
 * The smtp-auth check and its nodemailer probe against a real `smtp-server` with STARTTLS (test CA): token
 * accepted → OK with nothing sent and the one connection closed; Exchange's 535 5.7.139 → SMTP AUTH disabled with
 * the Set-CASMailbox fix; no STARTTLS offered → CRIT before any AUTH (requireTLS); a silent server → the deadline's
 * one timeout result; a server that resets the connection before the greeting → a prompt failure (the probe opens its
 * socket before nodemailer loads, and must hand over what happened meanwhile).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { createSmtpProbe } from '../../src/shared/mail/smtp-probe.js';
import { byCheck, expectValid, fixedTokens, mailboxConfig, testCa, testRegistry } from '../checks/helpers.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { rawServer } from '../helpers/raw-server.js';

const TOKEN = 'smtp-token-SECRET-c0ffee';
const USER = 'servicedesk@contoso.com';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Seen {
  auths: Array<{ method: string; user: string; secure: boolean }>;
  data: number;
  connections: number;
  open: number;
}

async function smtp(onAuthError?: { code: number; text: string }, extra: Partial<SMTPServerOptions> = {}) {
  const ca = testCa();
  const seen: Seen = { auths: [], data: 0, connections: 0, open: 0 };
  const server = new SMTPServer({
    secure: false,
    key: ca.serverKeyPem,
    cert: ca.serverCertPem,
    authMethods: ['XOAUTH2'],
    logger: false,
    onConnect: (_s, cb) => {
      seen.connections++;
      seen.open++;
      cb();
    },
    onClose: () => {
      seen.open--;
    },
    onAuth: (auth, session, cb) => {
      seen.auths.push({ method: auth.method, user: auth.username ?? '', secure: session.secure });
      if (onAuthError) {
        const err = Object.assign(new Error(onAuthError.text), { responseCode: onAuthError.code });
        return cb(err);
      }
      if (auth.username === USER && auth.accessToken === TOKEN) return cb(null, { user: USER });
      return cb(Object.assign(new Error('5.7.3 Authentication unsuccessful'), { responseCode: 535 }));
    },
    onData: (stream, _s, cb) => {
      seen.data++;
      stream.resume();
      stream.on('end', () => cb());
    },
    ...extra,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as { port: number }).port;
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port, seen, ca };
}

async function runSmtp(port: number, ca: { caPem: string }, deadlineSeconds = 20) {
  const mailbox = mailboxConfig({ cloud: { smtpHost: 'localhost', smtpPort: port }, deadlineSeconds });
  const results = await runMailbox(mailbox, {
    clock: systemClock,
    logger: silentLogger,
    secrets: () => 'unused',
    tokens: () => fixedTokens(TOKEN),
    ...mailConnections,
    state: createMemoryStore(),
    smtp: (mb, deadline, clock) => createSmtpProbe(mb, deadline, clock, { ca: ca.caPem }),
    checks: testRegistry(['auth', 'smtp-auth']),
  });
  expectValid(results);
  expect(JSON.stringify(results)).not.toContain(TOKEN);
  return byCheck(results)['smtp-auth']!;
}

describe('smtp-auth against smtp-server', () => {
  it('STARTTLS + XOAUTH2 accepted: OK, nothing sent, one connection, closed', async () => {
    const { port, seen, ca } = await smtp();
    const r = await runSmtp(port, ca);
    expect(r.status).toBe('OK');
    expect(r.summary).toContain('nothing sent');
    expect(seen.auths).toEqual([{ method: 'XOAUTH2', user: USER, secure: true }]);
    expect(seen.data).toBe(0);
    expect(seen.connections).toBe(1);
    await new Promise((res) => setTimeout(res, 50));
    expect(seen.open).toBe(0);
  });

  it('535 5.7.139 → SMTP AUTH disabled, Set-CASMailbox fix', async () => {
    const { port, ca } = await smtp({
      code: 535,
      text: '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.',
    });
    const r = await runSmtp(port, ca);
    expect(r.status).toBe('CRIT');
    expect(r.details).toMatchObject({ code: 'SMTP_AUTH_DISABLED' });
    expect(r.remediation?.setupStep).toBe('smtp-auth-enabled');
    expect(r.remediation?.fix).toContain('-SmtpClientAuthenticationDisabled $false');
  });

  it('a wrong token → 535 5.7.3, token/permission fix', async () => {
    const { port, ca } = await smtp({ code: 535, text: '5.7.3 Authentication unsuccessful' });
    const r = await runSmtp(port, ca);
    expect(r.details).toMatchObject({
      code: 'SMTP_AUTH_FAILED',
      serverReply: '535 5.7.3 Authentication unsuccessful',
    });
    expect(r.remediation?.setupStep).toBe('api-permissions');
  });

  it('STARTTLS refused: CRIT and the token is never sent in clear text', async () => {
    const { port, seen, ca } = await smtp(undefined, {
      hideSTARTTLS: true,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
    });
    const r = await runSmtp(port, ca);
    expect(r.status).toBe('CRIT');
    expect(seen.auths).toEqual([]);
  });

  it('a connection reset before the greeting: a prompt failure, not a wait for a greeting', async () => {
    // The probe connects before nodemailer loads; what happens to the socket meanwhile must reach the result.
    const { port } = await rawServer((s) => s.resetAndDestroy(), cleanup);
    const started = Date.now();
    const r = await runSmtp(port, testCa(), 10);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.status).not.toBe('OK');
    expect(r.summary).not.toContain('deadline');
  });

  it('a silent server ends in the deadline timeout, during smtp-auth', async () => {
    const { port, sockets } = await rawServer(() => undefined, cleanup);
    const started = Date.now();
    const r = await runSmtp(port, testCa(), 1.5);
    expect(r.status).toBe('CRIT');
    expect(r.summary).toBe('timeout: deadline of 1.5 s reached during smtp-auth');
    expect(Date.now() - started).toBeLessThan(4000);
    await new Promise((res) => setTimeout(res, 50));
    expect([...sockets].every((s) => s.destroyed || s.readableEnded)).toBe(true);
  });
});
