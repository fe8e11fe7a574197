/**
 * Exchange Online's behaviour that Dovecot cannot show, against the scripted IMAP server over TLS: each exact
 * reply yields its classification and fix, a dropped FETCH is CRIT with the failing UID, a silent server ends in
 * the deadline's one timeout result, and a check that throws becomes UNKNOWN without its message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  EXCHANGE_CAPABILITIES,
  startScriptedImap,
  type ScriptedImapOptions,
  type ScriptedImapServer,
} from '../../lab/scripted-imap.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import type { Check } from '../../src/shared/checks/types.js';
import { byCheck, expectValid, fixedTokens, mailboxConfig, testCa, testRegistry } from './helpers.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2NyaXB0ZWQtdG9rZW4.sig-SECRET-7f3a';
const USER = 'servicedesk@contoso.com';
const HOUR = 3_600_000;

let server: ScriptedImapServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function msg(uid: number, ageMs: number, subject = `Ticket ${uid}`) {
  const raw = `From: Customer <c${uid}@example.org>\r\nTo: ${USER}\r\nSubject: ${subject}\r\n\r\nHello ${uid}\r\n`;
  return { uid, raw, internalDate: new Date(Date.now() - ageMs) };
}

async function run(
  script: Partial<ScriptedImapOptions>,
  opts: {
    kind?: 'delegated' | 'app-only';
    deadlineSeconds?: number;
    extra?: Record<string, Check>;
    inbox?: Record<string, unknown>;
    /** Do not trust the test CA (TLS verification must then fail). */
    untrusted?: boolean;
    port?: number;
  } = {},
) {
  const ca = testCa();
  server = await startScriptedImap({
    tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
    user: USER,
    token: TOKEN,
    folders: {
      INBOX: [msg(3, 5 * 60_000), msg(4, 60_000)],
      'Junk Email': [msg(1, 50 * HOUR, 'old spam'), msg(2, 2 * HOUR, 'spam')],
    },
    ...script,
  });
  const mailbox = mailboxConfig({
    cloud: { imapHost: 'localhost', imapPort: opts.port ?? server.port },
    deadlineSeconds: opts.deadlineSeconds ?? 20,
    ...(opts.inbox ? { inbox: opts.inbox } : {}),
    ...(opts.kind === 'app-only'
      ? { auth: { mode: 'clientSecret', clientSecret: { env: 'UNUSED_SECRET' } } }
      : {}),
  });
  const checks = testRegistry(['auth', 'imap-login', 'inbox', 'junk']);
  for (const [name, check] of Object.entries(opts.extra ?? {})) checks.set(name as never, check);
  const started = Date.now();
  const results = await runMailbox(mailbox, {
    clock: systemClock,
    logger: silentLogger,
    secrets: () => 'unused',
    tokens: () => fixedTokens(TOKEN, opts.kind),
    ...mailConnections,
    state: createMemoryStore(),
    imap: (mb, deadline, logger) =>
      new ImapSession(mb, deadline, logger, opts.untrusted ? {} : { ca: ca.caPem }),
    checks,
  });
  expectValid(results);
  // No secret in any result, whatever happened.
  expect(JSON.stringify(results)).not.toContain(TOKEN);
  expect(JSON.stringify(results)).not.toContain('SECRET-7f3a');
  return { results, r: byCheck(results), elapsedMs: Date.now() - started, stats: server.stats };
}

describe('scripted Exchange IMAP', () => {
  it('a healthy mailbox is OK over TLS with one connection, EXAMINE only, nothing refused', async () => {
    const { r, stats } = await run({});
    expect(r['imap-login']!.status).toBe('OK');
    expect(r.inbox!.status).toBe('OK');
    expect(r.inbox!.metrics).toMatchObject({ inboxMessages: 2, waitingMessages: 2, oversizedMessages: 0 });
    expect(r.inbox!.metrics.oldestWaitingSeconds).toBeGreaterThanOrEqual(299);
    expect(r.inbox!.metrics.oldestWaitingSeconds).toBeLessThan(330);
    expect(r.inbox!.metrics.probeBytes).toBe(msg(3, 0).raw.length);
    expect(r.inbox!.details).toMatchObject({ oldestWaiting: { uid: 3 } });
    expect(r.junk!.metrics).toMatchObject({ junkMessages: 2, junkArrivals24h: 1, junkUnreviewed: 2 });
    expect(stats.connections).toBe(1);
    expect(stats.maxConcurrent).toBe(1);
    // Closed in the runner's finally (the server sees the close a moment later).
    await new Promise((res) => setTimeout(res, 50));
    expect(stats.open).toBe(0);
    expect(stats.refused).toEqual([]);
    expect(stats.commands).toContain('EXAMINE');
    expect(stats.commands).not.toContain('SELECT');
    expect(stats.commands).toContain('LOGOUT');
  });

  it('the fetch probe stays under inbox.probeMaxBytes', async () => {
    const { r } = await run({}, { inbox: { probeMaxBytes: 20 } });
    expect(r.inbox!.status).toBe('OK');
    expect(r.inbox!.metrics.probeBytes).toBe(20);
  });

  it('a large message is probed in slices, exactly, and the cap holds', async () => {
    const big = { ...msg(3, 5 * 60_000), raw: msg(3, 0).raw + 'x'.repeat(2_500_000) };
    const full = await run({ folders: { INBOX: [big] } });
    expect(full.r.inbox!.metrics.probeBytes).toBe(big.raw.length);
    await server?.close();
    const capped = await run({ folders: { INBOX: [big] } }, { inbox: { probeMaxBytes: 1_500_000 } });
    expect(capped.r.inbox!.metrics.probeBytes).toBe(1_500_000);
  });

  it('moveOversizedTo on a server without MOVE: nothing is moved (no COPY/EXPUNGE fallback), reported', async () => {
    const big = { ...msg(5, 60_000), size: 30_000_000 };
    const { r, stats } = await run(
      {
        folders: { INBOX: [msg(3, 60_000), big] },
        capabilities: EXCHANGE_CAPABILITIES.filter((c) => c !== 'MOVE'),
      },
      { inbox: { moveOversizedTo: 'Too Large' } },
    );
    expect(r.inbox!.status).toBe('WARN');
    expect(r.inbox!.details!.moved).toEqual({
      to: 'Too Large',
      uids: [5],
      verified: false,
      skipped: 'server lacks MOVE',
    });
    expect(r.inbox!.summary).toContain('move to Too Large NOT verified');
    expect(stats.refused).toEqual([]);
    expect(stats.commands).not.toContain('SELECT');
  });

  it('an untrusted server certificate is CRIT "TLS" and no token is sent', async () => {
    const { r, stats } = await run({}, { untrusted: true });
    expect(r['imap-login']!.status).toBe('CRIT');
    expect(r['imap-login']!.details).toMatchObject({ code: 'TLS' });
    expect(r['imap-login']!.remediation?.fix).toContain('never turn verification off');
    expect(stats.commands).toEqual([]);
  });

  it('a refused connection is CRIT "REFUSED"', async () => {
    const closed = await startScriptedImap({ user: USER, token: TOKEN });
    const port = closed.port;
    await closed.close();
    const { r } = await run({}, { port });
    expect(r['imap-login']!.status).toBe('CRIT');
    expect(r['imap-login']!.details).toMatchObject({ code: 'REFUSED' });
  });

  it('a wrong token gets NO AUTHENTICATE failed. → token/permission fix', async () => {
    const { r } = await run({ token: 'another-token' });
    expect(r['imap-login']!.status).toBe('CRIT');
    expect(r['imap-login']!.details).toMatchObject({
      code: 'IMAP_AUTH_FAILED',
      serverReply: 'NO AUTHENTICATE failed.',
    });
    expect(r['imap-login']!.remediation?.setupStep).toBe('api-permissions');
    expect(r.inbox!.status).toBe('UNKNOWN');
    expect(r.inbox!.summary).toBe('skipped: imap-login is CRIT');
    expect(r.junk!.summary).toBe('skipped: imap-login is CRIT');
  });

  it('NO AUTHENTICATE failed. for an app-only token points at the Exchange service principal', async () => {
    const { r } = await run({ behaviour: { auth: 'no-authenticate-failed' } }, { kind: 'app-only' });
    expect(r['imap-login']!.details).toMatchObject({ code: 'IMAP_AUTH_FAILED' });
    expect(r['imap-login']!.remediation?.setupStep).toBe('exchange-service-principal');
    expect(r['imap-login']!.remediation?.fix).toContain('New-ServicePrincipal');
  });

  it('BAD User is authenticated but not connected. → IMAP disabled (delegated) / mailbox permission (app-only)', async () => {
    const delegated = await run({ behaviour: { auth: 'bad-not-connected' } });
    const login = delegated.r['imap-login']!;
    expect(login.status).toBe('CRIT');
    expect(login.details).toMatchObject({
      code: 'IMAP_NOT_CONNECTED_SESSION',
      serverReply: 'BAD User is authenticated but not connected.',
    });
    expect(login.remediation?.setupStep).toBe('imap-enabled');
    expect(login.remediation?.fix).toContain('Set-CASMailbox');
    await server?.close();
    const app = await run({ behaviour: { auth: 'bad-not-connected' } }, { kind: 'app-only' });
    expect(app.r['imap-login']!.remediation?.setupStep).toBe('mailbox-permission');
    expect(app.r['imap-login']!.remediation?.fix).toContain('Add-MailboxPermission');
  });

  it('BAD Command Argument Error. 11 on the probe FETCH is CRIT with the failing UID', async () => {
    const { r } = await run({ behaviour: { fetchBody: 'bad-argument-11' } });
    expect(r.inbox!.status).toBe('CRIT');
    expect(r.inbox!.details).toMatchObject({
      code: 'IMAP_FETCH_ARGUMENT_ERROR',
      failingUid: 3,
      serverReply: 'BAD Command Argument Error. 11',
    });
    expect(r.inbox!.summary).toContain('UID 3');
    // The session survives a BAD reply: junk still runs.
    expect(r.junk!.status).toBe('OK');
  });

  it('NO not connected on the probe FETCH is CRIT with the failing UID', async () => {
    const { r } = await run({ behaviour: { fetchBody: 'no-not-connected' } });
    expect(r.inbox!.status).toBe('CRIT');
    expect(r.inbox!.details).toMatchObject({ code: 'IMAP_NOT_CONNECTED', failingUid: 3 });
  });

  it('a connection dropped mid-FETCH is CRIT with the failing UID; later checks are skipped', async () => {
    const { r } = await run({ behaviour: { fetchBody: 'drop' } });
    expect(r.inbox!.status).toBe('CRIT');
    expect(r.inbox!.details).toMatchObject({ code: 'DROPPED', failingUid: 3 });
    expect(r.junk!.status).toBe('UNKNOWN');
    expect(r.junk!.summary).toBe('skipped: no usable IMAP session');
  });

  it('a server that accepts and never answers ends in ONE timeout result at the deadline', async () => {
    const { results, r, elapsedMs, stats } = await run(
      { behaviour: { greeting: 'silent' } },
      { deadlineSeconds: 1.5 },
    );
    expect(r['imap-login']!.status).toBe('CRIT');
    expect(r['imap-login']!.summary).toBe('timeout: deadline of 1.5 s reached during imap-login');
    expect(results.filter((x) => /timeout/i.test(x.summary))).toHaveLength(1);
    expect(r.inbox!.summary).toBe('skipped: deadline reached');
    expect(r.junk!.summary).toBe('skipped: deadline reached');
    expect(elapsedMs).toBeGreaterThanOrEqual(1400);
    expect(elapsedMs).toBeLessThan(4000);
    // The socket was closed by the runner's finally.
    await new Promise((res) => setTimeout(res, 50));
    expect(stats.open).toBe(0);
  });

  it('a silent body FETCH after a good login also ends in the deadline timeout, during inbox', async () => {
    const { r } = await run({ behaviour: { fetchBody: 'silent' } }, { deadlineSeconds: 2 });
    expect(r['imap-login']!.status).toBe('OK');
    expect(r.inbox!.status).toBe('CRIT');
    expect(r.inbox!.summary).toBe('timeout: deadline of 2 s reached during inbox');
    expect(r.junk!.summary).toBe('skipped: deadline reached');
  });

  it('a check that throws becomes UNKNOWN naming the error class, never its message', async () => {
    const boom: Check = async () => {
      throw new RangeError(`bad thing with ${TOKEN}`);
    };
    const { r } = await run({}, { extra: { junk: boom } });
    expect(r.junk!.status).toBe('UNKNOWN');
    expect(r.junk!.summary).toBe('internal error in junk (RangeError)');
  });
});
