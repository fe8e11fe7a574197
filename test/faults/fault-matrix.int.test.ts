/**
 * The fault matrix: each class driven through the real code paths — the lab's Entra over HTTPS with MSAL, the
 * scripted Exchange-like IMAP server with imapflow, smtp-server and raw TCP servers with nodemailer — asserting
 * the class, the status, the server's quoted code, and that no setup step is blamed for a fault that is not setup.
 * Every case also runs the canary scan: the password and token appear in no output (results, log lines, alert
 * mail text and HTML, Teams and JSON webhook bodies), not even when a server echoes what it received.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { identityKey } from '../../lab/entra-registry.js';
import { startScriptedImap, type ScriptedBehaviour } from '../../lab/scripted-imap.js';
import { createTokenSource, TokenCache } from '../../src/shared/auth/index.js';
import { teamsEnvelope } from '../../src/shared/alerts/channels/webhook.js';
import { CHECKS } from '../../src/shared/checks/index.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { systemClock } from '../../src/shared/clock.js';
import { createSecretResolver, type MailboxConfig } from '../../src/shared/config/index.js';
import type { CheckResult, RegisteredCheckName } from '../../src/shared/contracts.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { secretForms } from '../../src/shared/faults/index.js';
import { streamLogger } from '../../src/shared/logger.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import { createSmtpProbe } from '../../src/shared/mail/smtp-probe.js';
import { renderAlert, renderJsonPayload } from '../../src/shared/report/alert.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { rawServer as rawTcpServer } from '../helpers/raw-server.js';
import { labMailbox } from '../auth/helpers.js';
import { byCheck, expectValid, fixedTokens, mailboxConfig, testCa, testRegistry } from '../checks/helpers.js';
import { lab } from '../helpers/lab.js';

const l = lab();
const tenantId = randomUUID();
const publicApp = randomUUID();
// Canaries with characters that change under URL, form and base64 encoding.
const PASSWORD = `Pw+/=&${randomUUID()} ä`;
const TOKEN = `eyJ0eXAiOiJKV1QifQ.${Buffer.from(randomUUID()).toString('base64url')}.canary-sig`;
const USER = 'servicedesk@contoso.com';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

beforeAll(async () => {
  await l.addTenant(tenantId, [`${l.unique('faults')}.example`]);
  await l.addApp(tenantId, { clientId: publicApp, publicClient: true });
});

/** Every output a run produces, as text: results, log lines, alert mail, webhook bodies. */
function outputs(results: CheckResult[], logs: string[]): string {
  const failing = results.filter((r) => r.status !== 'OK');
  const input = {
    mailboxId: 'desk',
    address: USER,
    changes: failing.map((result) => ({ action: 'trigger' as const, result, since: result.at })),
    at: new Date(),
  };
  const mail = renderAlert(input);
  const notification = { input, rendered: mail, recipients: [] };
  return [
    JSON.stringify(results),
    ...logs,
    mail.subject,
    mail.text,
    mail.html,
    JSON.stringify(renderJsonPayload(input)),
    JSON.stringify(teamsEnvelope(notification as never)),
  ].join('\n');
}

function expectNoCanary(text: string): void {
  for (const secret of [PASSWORD, TOKEN]) {
    for (const form of [
      ...secretForms(secret),
      Buffer.from(`user=${USER}\x01auth=Bearer ${TOKEN}`).toString('base64'),
    ])
      expect(text.includes(form), `canary form ${form.slice(0, 12)}… found`).toBe(false);
  }
}

/** Asserts the fault-class contract on a failing result. */
function expectFault(
  r: CheckResult | undefined,
  fault: string,
  status: string,
  details: Record<string, unknown>,
) {
  expect(r).toBeDefined();
  expect(r!.status).toBe(status);
  expect(r!.details).toMatchObject({ fault, ...details });
  if (fault !== 'setup') {
    expect(r!.remediation?.setupStep).toBeUndefined();
    // Instead of a setup step, where to look: Microsoft's service health, the network path, the monitor itself.
    expect(`${r!.remediation?.cause ?? ''} ${r!.remediation?.fix ?? ''}`, fault).toMatch(WHERE[fault]!);
  }
}

const WHERE: Record<string, RegExp> = {
  service: /service health/i,
  network: /network path|firewall|proxy|DNS/i,
  timeout: /deadline|network path|service health/i,
  monitor: /monitor|app setting|Key Vault|environment/i,
};

describe('token endpoint', () => {
  async function runAuth(steps: Record<string, unknown>[]) {
    const upn = `${l.unique('u')}@contoso.example`;
    await l.addUser(tenantId, { upn, password: PASSWORD });
    await l.scriptEntra(identityKey(tenantId, publicApp, upn), steps as never);
    const env = { PW: PASSWORD };
    const mailbox = labMailbox({
      address: upn,
      tenantId,
      clientId: publicApp,
      authorityHost: l.authorityHost,
      auth: { mode: 'password', password: { env: 'PW' } },
    });
    const logs: string[] = [];
    const secrets = createSecretResolver(env);
    const cache = new TokenCache({ sleep: async () => undefined });
    const results = await runMailbox(mailbox, {
      clock: systemClock,
      logger: streamLogger((line) => logs.push(line), 'debug'),
      secrets,
      tokens: (mb, deadline) =>
        createTokenSource(mb, {
          secrets,
          clock: systemClock,
          logger: streamLogger((x) => logs.push(x), 'debug'),
          cache,
          deadline,
        }),
      ...mailConnections,
      state: createMemoryStore(),
      checks: new Map([['auth', CHECKS.get('auth')!]]) as Map<RegisteredCheckName, never>,
    });
    expectValid(results);
    expectNoCanary(outputs(results, logs));
    return results[0]!;
  }

  it('500, 503, then success: OK after two retries', async () => {
    const r = await runAuth([{ status: 500 }, { status: 503 }]);
    expect(r.status).toBe('OK');
    expect(r.details).toMatchObject({ retries: 2 });
  });

  it('always 503: a service fault quoting HTTP 503, no setup step', async () => {
    const r = await runAuth([{ status: 503, times: 10 }]);
    expectFault(r, 'service', 'CRIT', { code: 'ETRANSIENT', httpStatus: 503 });
    expect(r.summary).toContain('503');
  });

  it('an HTML page: a network fault, not "app-registration"', async () => {
    const r = await runAuth([{ body: '<html><body>Proxy login required</body></html>' }]);
    expectFault(r, 'network', 'CRIT', { code: 'EBADRESPONSE', httpStatus: 200 });
    expect(r.summary).toContain('text/html');
  });

  it('invalid JSON: a network fault', async () => {
    const r = await runAuth([{ body: '{"access_token": "trunc', contentType: 'application/json' }]);
    expectFault(r, 'network', 'CRIT', { code: 'EBADRESPONSE' });
  });

  it('an echo of the request body: the password is in no output', async () => {
    const r = await runAuth([{ echo: true }]);
    expectFault(r, 'setup', 'CRIT', { code: 'AADSTS900144', aadsts: 900144, httpStatus: 400 });
    expect(JSON.stringify(r)).toContain('password=[redacted]');
  });

  it('a missing secret environment variable: the monitor’s fault, UNKNOWN', async () => {
    const mailbox = labMailbox({
      address: `nobody@contoso.example`,
      tenantId,
      clientId: publicApp,
      authorityHost: l.authorityHost,
      auth: { mode: 'password', password: { env: 'NOT_SET_ANYWHERE' } },
    });
    const secrets = createSecretResolver({});
    const [r] = await runMailbox(mailbox, {
      clock: systemClock,
      logger: streamLogger(() => undefined),
      secrets,
      tokens: (mb, deadline) =>
        createTokenSource(mb, {
          secrets,
          clock: systemClock,
          logger: streamLogger(() => undefined),
          deadline,
          cache: new TokenCache(),
        }),
      ...mailConnections,
      state: createMemoryStore(),
      checks: new Map([['auth', CHECKS.get('auth')!]]) as Map<RegisteredCheckName, never>,
    });
    expectFault(r, 'monitor', 'UNKNOWN', { code: 'ESECRET' });
  });
});

describe('IMAP', () => {
  async function runImap(
    behaviour: ScriptedBehaviour,
    kind: 'delegated' | 'app-only' = 'delegated',
    deadlineSeconds = 15,
  ) {
    const ca = testCa();
    const server = await startScriptedImap({
      tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
      user: USER,
      token: TOKEN,
      behaviour,
    });
    cleanup.push(() => server.close());
    const mailbox: MailboxConfig = mailboxConfig({
      cloud: { imapHost: 'localhost', imapPort: server.port },
      deadlineSeconds,
      ...(kind === 'app-only' ? { auth: { mode: 'clientSecret', clientSecret: { env: 'UNUSED' } } } : {}),
    });
    const logs: string[] = [];
    const results = await runMailbox(mailbox, {
      clock: systemClock,
      logger: streamLogger((line) => logs.push(line), 'debug'),
      secrets: () => 'unused',
      tokens: () => fixedTokens(TOKEN, kind),
      ...mailConnections,
      state: createMemoryStore(),
      imap: (mb, deadline, logger) => new ImapSession(mb, deadline, logger, { ca: ca.caPem }),
      checks: testRegistry(['auth', 'imap-login', 'inbox']),
    });
    expectValid(results);
    expectNoCanary(outputs(results, logs));
    return byCheck(results);
  }

  it('closed right after the greeting: a network fault', async () => {
    const r = await runImap({ greeting: 'close' });
    expectFault(r['imap-login'], 'network', 'CRIT', { code: 'DROPPED' });
  });

  it('BYE mid-session: a service fault quoting the BYE', async () => {
    const r = await runImap({ open: 'bye' });
    expectFault(r.inbox, 'service', 'CRIT', { code: 'IMAP_BYE' });
    expect(r.inbox!.summary).toContain('Connection is closed. 14');
  });

  it('NO [UNAVAILABLE]: a service fault with imapCode UNAVAILABLE', async () => {
    const r = await runImap({ open: 'no-unavailable' });
    expectFault(r.inbox, 'service', 'CRIT', { code: 'IMAP_UNAVAILABLE', imapCode: 'UNAVAILABLE' });
  });

  it('"User is authenticated but not connected.": setup, with the mailbox-permission step', async () => {
    const r = await runImap({ auth: 'bad-not-connected' }, 'app-only');
    expectFault(r['imap-login'], 'setup', 'CRIT', { code: 'IMAP_NOT_CONNECTED_SESSION' });
    expect(r['imap-login']!.remediation?.setupStep).toBe('mailbox-permission');
  });

  it('a server that accepts the connection and never greets: a timeout fault at the deadline', async () => {
    const r = await runImap({ greeting: 'silent' }, 'delegated', 2);
    expectFault(r['imap-login'], 'timeout', 'CRIT', { code: 'TIMEOUT' });
  });

  it('a server that echoes AUTHENTICATE: the token and its XOAUTH2 payload are in no output', async () => {
    const r = await runImap({ auth: 'echo' });
    expect(r['imap-login']!.status).toBe('CRIT');
    expect(r['imap-login']!.summary).toContain('[redacted');
  });
});

describe('SMTP', () => {
  async function runSmtp(port: number, caPem: string, deadlineSeconds = 10) {
    const mailbox = mailboxConfig({ cloud: { smtpHost: 'localhost', smtpPort: port }, deadlineSeconds });
    const logs: string[] = [];
    const results = await runMailbox(mailbox, {
      clock: systemClock,
      logger: streamLogger((line) => logs.push(line), 'debug'),
      secrets: () => 'unused',
      tokens: () => fixedTokens(TOKEN),
      ...mailConnections,
      state: createMemoryStore(),
      smtp: (mb, deadline, clock) => createSmtpProbe(mb, deadline, clock, { ca: caPem }),
      checks: testRegistry(['auth', 'smtp-auth']),
    });
    expectValid(results);
    expectNoCanary(outputs(results, logs));
    return byCheck(results)['smtp-auth']!;
  }

  async function smtpServer(code: number, text: string) {
    const ca = testCa();
    const server = new SMTPServer({
      secure: false,
      key: ca.serverKeyPem,
      cert: ca.serverCertPem,
      authMethods: ['XOAUTH2'],
      logger: false,
      onAuth: (_a, _s, cb) => cb(Object.assign(new Error(text), { responseCode: code })),
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    return runSmtp((server.server.address() as { port: number }).port, ca.caPem);
  }

  /** A raw TCP server: `onConnect` scripts what Exchange (or the path to it) does. */
  async function rawServer(onConnect: (s: Socket) => void, deadlineSeconds?: number) {
    const { port } = await rawTcpServer(onConnect, cleanup);
    return runSmtp(port, testCa().caPem, deadlineSeconds);
  }

  it('421 4.7.0 at the greeting: a service fault quoting 421 and 4.7.0', async () => {
    const r = await rawServer((s) => s.end('421 4.7.0 Temporary server error. Please try again later.\r\n'));
    expectFault(r, 'service', 'CRIT', { code: 'SMTP_TEMPORARY', smtpCode: 421, enhancedCode: '4.7.0' });
  });

  it('454 4.7.0 Temporary authentication failure: service, not permissions', async () => {
    const r = await smtpServer(454, '4.7.0 Temporary authentication failure');
    expectFault(r, 'service', 'CRIT', { code: 'SMTP_TEMPORARY', smtpCode: 454, enhancedCode: '4.7.0' });
  });

  it('535 5.7.3: setup, with the permissions step', async () => {
    const r = await smtpServer(535, '5.7.3 Authentication unsuccessful');
    expectFault(r, 'setup', 'CRIT', { code: 'SMTP_AUTH_FAILED', smtpCode: 535, enhancedCode: '5.7.3' });
    expect(r.remediation?.setupStep).toBe('api-permissions');
  });

  it('530 5.7.57: setup, SMTP AUTH not in effect', async () => {
    const r = await smtpServer(530, '5.7.57 Client not authenticated to send mail.');
    expectFault(r, 'setup', 'CRIT', {
      code: 'SMTP_NOT_AUTHENTICATED',
      smtpCode: 530,
      enhancedCode: '5.7.57',
    });
    expect(r.remediation?.setupStep).toBe('smtp-auth-enabled');
  });

  it('a server that never greets: a timeout fault at the deadline, no setup step', async () => {
    const r = await rawServer(() => undefined, 2);
    expectFault(r, 'timeout', 'CRIT', { code: 'TIMEOUT' });
  });

  it('the connection dropped after EHLO: a network fault', async () => {
    const r = await rawServer((s) => {
      s.write('220 lab ESMTP ready\r\n');
      s.once('data', () => s.destroy());
    });
    expectFault(r, 'network', 'CRIT', { code: 'DROPPED' });
  });
});
