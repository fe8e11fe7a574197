/**
 * `mailbox-health doctor` against the lab: a healthy mailbox passes every step; each broken variant fails at the
 * right step with the right fix while independent steps still run and dependent ones say why they were skipped;
 * exit codes 0 / 2 / 3; and neither the password nor the token ever appears in the output.
 *
 * IMAP is the lab's Dovecot. Without Dovecot (a dev machine without dovecot-imapd; never under CI=true, where
 * requireDovecot() throws) the in-memory IMAP server stands in, with a visible warning.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClientCertificate } from '../../lab/ca.js';
import { startMemoryImap, type MemoryImapServer } from '../../lab/memory-imap.js';
import { TokenCache, createTokenSource } from '../../src/shared/auth/index.js';
import { checkCommand } from '../../src/cli/check.js';
import { doctorCommand, type DoctorResult } from '../../src/cli/doctor.js';
import { NAGIOS_EXIT, worstStatus, type CheckResult, type Status } from '../../src/shared/contracts.js';
import { deskMail, type DeskIdentity } from '../../lab/demo-scenario.js';
import { systemClock } from '../../src/shared/clock.js';
import { createSecretResolver } from '../../src/shared/config/index.js';
import { parseConfig } from '../../src/shared/config/load.js';
import { silentLogger } from '../../src/shared/logger.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

const l = lab();
const e = labEndpoints();
const useDovecot = requireDovecot();
if (!useDovecot)
  console.warn('doctor tests: IMAP steps run against the in-memory IMAP server instead of Dovecot');
const tenantId = randomUUID();
const publicApp = randomUUID();
const confidentialApp = randomUUID();
const noConsentApp = randomUUID();
const PASSWORD = 'Doctor pw ' + randomUUID();
const env: Record<string, string> = { DESK_PW: PASSWORD };
const dir = mkdtempSync(join(tmpdir(), 'mh-doctor-'));
const memory: MemoryImapServer[] = [];
/** `appId/mailbox` pairs granted FullAccess (what the in-memory fallback needs to know; Dovecot asks the lab). */
const granted = new Set<string>();

afterAll(async () => {
  for (const s of memory) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  await l.addTenant(tenantId);
  await l.addApp(tenantId, { clientId: publicApp, publicClient: true });
  await l.addApp(tenantId, { clientId: confidentialApp, secrets: [{ value: 'x-' + randomUUID() }] });
  await l.addApp(tenantId, {
    clientId: noConsentApp,
    publicClient: true,
    delegatedScopes: ['IMAP.AccessAsUser.All'],
  });
});

/** A fresh lab user and its IMAP endpoint (Dovecot, or an in-memory server for that one mailbox). */
async function newMailbox(): Promise<{ upn: string; imap: { host: string; port: number } }> {
  const upn = `${l.unique('doc')}@contoso.example`;
  await l.addUser(tenantId, { upn, password: PASSWORD });
  if (useDovecot) return { upn, imap: e.imap! };
  // The lab's server certificate sits beside its CA (lab/ca.ts).
  const tlsDir = dirname(e.caPath);
  const server = await startMemoryImap({
    mailbox: upn,
    tls: { key: readFileSync(join(tlsDir, 'server.key')), cert: readFileSync(join(tlsDir, 'server.pem')) },
    validateToken: async (user, token) => {
      const v = await l.validateToken(token);
      if (!v.ok) return false;
      if (v.kind === 'app') return v.roles.includes('IMAP.AccessAsApp') && granted.has(`${v.appId}/${user}`);
      return v.upn === user && v.scopes.includes('IMAP.AccessAsUser.All');
    },
  });
  memory.push(server);
  return { upn, imap: { host: server.host, port: server.port } };
}

function configFor(
  upn: string,
  imap: { host: string; port: number },
  over: { clientId?: string; esm?: Record<string, string> } = {},
) {
  const clientId = over.clientId ?? publicApp;
  return {
    mailboxes: [
      {
        id: 'desk',
        address: upn,
        tenantId,
        clientId,
        auth: { mode: 'password', password: { env: 'DESK_PW' } },
        esm: over.esm ?? {
          'mail.store.oauth.enabled': 'true',
          'mail.transport.oauth.enabled': 'true',
          'mail.oauth.authorize.endpoint': `${e.entraBaseUrl}/${tenantId}/oauth2/v2.0/authorize`,
          'mail.oauth.client.id': clientId,
          'mail.oauth.scopes':
            'https://outlook.office365.com/IMAP.AccessAsUser.All,https://outlook.office365.com/SMTP.Send',
        },
        cloud: {
          authorityHost: e.authorityHost,
          imapHost: imap.host === '127.0.0.1' ? 'localhost' : imap.host,
          imapPort: imap.port,
          smtpHost: 'localhost',
          smtpPort: e.smtp!.port,
        },
      },
    ],
  };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json?: DoctorResult;
}

async function doctor(doc: unknown, json = true): Promise<Run> {
  const file = join(dir, `${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(doc));
  const out: string[] = [];
  const err: string[] = [];
  const code = await doctorCommand(['--config', file, ...(json ? ['--json'] : [])], {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    env,
  });
  const stdout = out.join('\n');
  return {
    code,
    stdout,
    stderr: err.join('\n'),
    ...(json ? { json: JSON.parse(stdout) as DoctorResult } : {}),
  };
}

const statuses = (r: Run) => Object.fromEntries(r.json!.steps.map((s) => [s.step, s.status]));
const step = (r: Run, id: string) => r.json!.steps.find((s) => s.step === id)!;

/** The token the doctor used, fetched afterwards from the lab under the same identity (for the leak scan). */
async function tokenOf(doc: ReturnType<typeof configFor>): Promise<string> {
  const m = parseConfig(doc, 't').config.mailboxes[0]!;
  const out = await createTokenSource(m, {
    secrets: createSecretResolver(env),
    clock: systemClock,
    logger: silentLogger,
    cache: new TokenCache(),
  }).acquire();
  if (!out.ok) throw new Error(out.failure.code);
  return out.grant.accessToken;
}

describe('doctor', () => {
  it('passes every step on a healthy mailbox (exit 0), and says so in text', async () => {
    const { upn, imap } = await newMailbox();
    const doc = configFor(upn, imap);
    const r = await doctor(doc);
    expect(r.json!.steps.map((s) => s.step)).toEqual([
      'config',
      'esm-settings',
      'authority',
      'auth',
      'credential-expiry',
      'imap-login',
      'inbox',
      'junk',
      'sent-quota',
      'smtp-auth',
    ]);
    expect(r.json!.steps.filter((s) => s.status !== 'PASS')).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.json!.status).toBe('OK');
    expect(step(r, 'junk').detail).toContain('"Junk Email"');
    expect(step(r, 'sent-quota').detail).toContain('"Sent Items"');
    expect(step(r, 'inbox').title).toContain('read-only');
    const text = await doctor(doc, false);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/PASS {2}10\. SMTP AUTH XOAUTH2 accepted/);
    // Nothing secret in any output: not the password, not a token of this identity.
    const token = await tokenOf(doc);
    for (const run of [r, text]) {
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
      expect(run.stdout + run.stderr).not.toContain(token.split('.')[2]!);
    }
    // Nothing was sent while verifying SMTP.
    expect(await l.smtpMessages(upn)).toEqual([]);
  });

  it('app not a public client: fails at "token acquired" with 7000218 and the fix; dependents skip', async () => {
    const { upn, imap } = await newMailbox();
    const r = await doctor(configFor(upn, imap, { clientId: confidentialApp }));
    expect(r.code).toBe(2);
    expect(r.json!.status).toBe('CRIT');
    expect(statuses(r)).toMatchObject({
      config: 'PASS',
      'esm-settings': 'PASS',
      authority: 'PASS',
      auth: 'FAIL',
      'imap-login': 'SKIP',
      inbox: 'SKIP',
      junk: 'SKIP',
      'sent-quota': 'SKIP',
      'smtp-auth': 'SKIP',
    });
    const t = step(r, 'auth');
    expect(t.detail).toContain('AADSTS7000218');
    expect(t.setupStep).toBe('public-client-flows');
    expect(t.fix).toContain('"Allow public client flows"');
    expect(step(r, 'imap-login').detail).toMatch(/^skipped: /);
    expect(r.stdout).not.toContain(PASSWORD);
  });

  it('Conditional Access allows the account only from the desk’s IPs (53003): the fix names both remedies', async () => {
    const { upn, imap } = await newMailbox();
    // A location policy trusting only ESM's egress address: the monitor (127.0.0.1 here) is not in it.
    await l.addUser(tenantId, { upn, password: PASSWORD, signInAllowedFrom: ['203.0.113.10'] });
    const r = await doctor(configFor(upn, imap));
    expect(r.code).toBe(2);
    const t = step(r, 'auth');
    expect(t.status).toBe('FAIL');
    expect(t.detail).toContain('AADSTS53003');
    // Remedy 1: a static outbound IP allowed in the named location; remedy 2: app-only credentials.
    expect(t.fix).toContain('STATIC_OUTBOUND_IP');
    expect(t.fix).toContain('named location');
    expect(t.fix).toContain('app-only');
    expect(t.fix).toContain('IMAP.AccessAsApp');
    // Once the monitor's address is in the named location, the same account signs in.
    await l.addUser(tenantId, { upn, password: PASSWORD, signInAllowedFrom: ['203.0.113.10', '127.0.0.1'] });
    expect(step(await doctor(configFor(upn, imap)), 'auth').status).toBe('PASS');
  });

  it('consent missing: fails at "token acquired" with admin consent', async () => {
    const { upn, imap } = await newMailbox();
    const r = await doctor(configFor(upn, imap, { clientId: noConsentApp }));
    expect(step(r, 'auth')).toMatchObject({ status: 'FAIL', setupStep: 'admin-consent' });
    expect(step(r, 'auth').detail).toContain('AADSTS65001');
  });

  it('SMTP AUTH disabled (5.7.139): only the SMTP step fails, with Set-CASMailbox', async () => {
    const { upn, imap } = await newMailbox();
    await l.scriptSmtp(upn, [
      {
        at: 'auth',
        code: 535,
        message:
          '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.',
      },
    ]);
    const r = await doctor(configFor(upn, imap));
    expect(r.code).toBe(2);
    expect(r.json!.steps.filter((s) => s.status !== 'PASS').map((s) => s.step)).toEqual(['smtp-auth']);
    const s = step(r, 'smtp-auth');
    expect(s.setupStep).toBe('smtp-auth-enabled');
    expect(s.fix).toContain('SmtpClientAuthenticationDisabled');
    expect(s.detail).toContain('5.7.139');
  });

  it('token without IMAP permission: the token step fails naming the permission; mail steps skip, as in check', async () => {
    const { upn, imap } = await newMailbox();
    await l.scriptEntra(`${tenantId}/${publicApp}/${upn}`.toLowerCase(), [{ scopes: ['SMTP.Send'] }]);
    const r = await doctor(configFor(upn, imap));
    expect(statuses(r)).toMatchObject({
      auth: 'FAIL',
      'imap-login': 'SKIP',
      inbox: 'SKIP',
      junk: 'SKIP',
      'sent-quota': 'SKIP',
      'smtp-auth': 'SKIP',
    });
    expect(step(r, 'auth').setupStep).toBe('api-permissions');
    expect(step(r, 'auth').detail).toContain('IMAP.AccessAsUser.All');
    expect(step(r, 'imap-login').detail).toMatch(/^skipped: auth is CRIT/);
  });

  it('ESM tenant mismatch: the config still loads, the ESM step fails with the endpoint to paste', async () => {
    const { upn, imap } = await newMailbox();
    const other = randomUUID();
    const doc = configFor(upn, imap);
    doc.mailboxes[0]!.esm['mail.oauth.authorize.endpoint'] =
      `${e.entraBaseUrl}/${other}/oauth2/v2.0/authorize`;
    doc.mailboxes[0]!.esm['mail.store.oauth.enabled'] = 'false';
    const r = await doctor(doc);
    expect(r.code).toBe(2);
    expect(r.json!.steps.filter((s) => s.status !== 'PASS').map((s) => s.step)).toEqual(['esm-settings']);
    const s = step(r, 'esm-settings');
    expect(s.setupStep).toBe('esm-platform-settings');
    expect(s.detail).toContain(`tenant "${other}"`);
    expect(s.detail).toContain('mail.store.oauth.enabled');
    expect(s.fix).toContain(`${e.entraBaseUrl}/${tenantId}/oauth2/v2.0/authorize`);
  });

  it('unreachable authority: authority fails, the token step is a network fault, the ESM step still judged', async () => {
    const { upn, imap } = await newMailbox();
    const doc = configFor(upn, imap);
    doc.mailboxes[0]!.cloud.authorityHost = 'localhost:1';
    doc.mailboxes[0]!.esm['mail.oauth.authorize.endpoint'] =
      `https://localhost:1/${tenantId}/oauth2/v2.0/authorize`;
    const r = await doctor(doc);
    expect(statuses(r)).toMatchObject({ 'esm-settings': 'PASS', authority: 'FAIL', auth: 'FAIL' });
    expect(step(r, 'authority').detail).toContain('not reachable');
    // Not a setup mistake of the app registration: the network path (no setup step blamed on the token step).
    expect(step(r, 'auth').check).toMatchObject({ status: 'CRIT', fault: 'network' });
    expect(step(r, 'auth').setupStep).toBeUndefined();
  });

  it('app-only with a certificate: passes when granted; without Add-MailboxPermission IMAP and SMTP fail', async () => {
    const cert = issueClientCertificate('doctor-app');
    const appId = randomUUID();
    await l.addApp(tenantId, {
      clientId: appId,
      certificates: [{ certPem: cert.certPem }],
      appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
    });
    const { upn, imap } = await newMailbox();
    Object.assign(env, { APP_CERT: cert.certPem, APP_KEY: cert.keyPem });
    const doc = configFor(upn, imap, { clientId: appId }) as { mailboxes: Array<Record<string, unknown>> };
    doc.mailboxes[0]!.auth = {
      mode: 'certificate',
      certificate: { env: 'APP_CERT' },
      privateKey: { env: 'APP_KEY' },
    };
    delete doc.mailboxes[0]!.esm; // ESM itself signs in with ROPC; app-only mailboxes have no ESM block here
    const denied = await doctor(doc);
    expect(statuses(denied)).toMatchObject({
      auth: 'PASS',
      'imap-login': 'FAIL',
      'smtp-auth': 'FAIL',
    });
    expect(['exchange-service-principal', 'mailbox-permission']).toContain(
      step(denied, 'imap-login').setupStep,
    );
    expect(step(denied, 'esm-settings').status).toBe('SKIP');
    await l.grantMailbox(tenantId, appId, upn);
    granted.add(`${appId}/${upn}`);
    const ok = await doctor(doc);
    expect(ok.json!.steps.filter((s) => !['PASS', 'SKIP'].includes(s.status))).toEqual([]);
    expect(ok.code).toBe(0);
    expect(ok.stdout + ok.stderr).not.toContain(cert.keyPem.split('\n')[1]!);
  });

  it('bad configuration or arguments: exit 3 with the reason on stderr', async () => {
    const r = await doctor({ mailboxes: [{ id: 'BAD ID', address: 'x' }] });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('mailboxes[0].id');
    expect(r.json!.exitCode).toBe(3);
    const io = { stdout: () => undefined, stderr: () => undefined, env };
    expect(await doctorCommand(['--bogus'], io)).toBe(3);
    expect(await doctorCommand([], io)).toBe(3);
  });
});

/** `check --json` on the same configuration file doctor reads. */
async function check(doc: unknown): Promise<{ code: number; results: CheckResult[] }> {
  const file = join(dir, `${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(doc));
  const out: string[] = [];
  const code = await checkCommand(['--config', file, '--json'], {
    stdout: (s) => out.push(s),
    stderr: () => undefined,
    env,
  });
  return { code, results: JSON.parse(out.join('\n')) as CheckResult[] };
}

interface Scenario {
  name: string;
  /** What `check` (and so doctor) must say of the mailbox. */
  status: Status;
  /** Builds the lab side and returns the configuration; scripted answers are given twice (check, then doctor). */
  setup: () => Promise<unknown>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'healthy mailbox',
    status: 'OK',
    setup: async () => {
      const { upn, imap } = await newMailbox();
      return configFor(upn, imap);
    },
  },
  {
    name: 'desk with a mail waiting 3 h and 85 % of the daily recipients sent',
    status: 'CRIT',
    setup: async () => {
      const { upn, imap } = await newMailbox();
      const mail = deskMail({ address: upn } as DeskIdentity, new Date(), { oversizedBytes: 2_000 });
      await l.seedMessages(upn, 'INBOX', mail.inbox);
      await l.seedMessages(upn, 'Junk Email', mail.junk);
      await l.seedMessages(upn, 'Sent Items', mail.sent);
      return configFor(upn, imap);
    },
  },
  {
    name: 'app not a public client (AADSTS7000218)',
    status: 'CRIT',
    setup: async () => {
      const { upn, imap } = await newMailbox();
      return configFor(upn, imap, { clientId: confidentialApp });
    },
  },
  {
    name: 'admin consent missing (AADSTS65001)',
    status: 'CRIT',
    setup: async () => {
      const { upn, imap } = await newMailbox();
      return configFor(upn, imap, { clientId: noConsentApp });
    },
  },
  {
    name: 'token without the IMAP permission',
    status: 'CRIT',
    setup: async () => {
      const { upn, imap } = await newMailbox();
      const key = `${tenantId}/${publicApp}/${upn}`.toLowerCase();
      await l.scriptEntra(key, [{ scopes: ['SMTP.Send'] }, { scopes: ['SMTP.Send'] }]);
      return configFor(upn, imap);
    },
  },
  {
    name: 'SMTP AUTH disabled for the tenant (5.7.139)',
    status: 'CRIT',
    setup: async () => {
      const { upn, imap } = await newMailbox();
      const refusal = {
        at: 'auth' as const,
        code: 535,
        message: '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.',
      };
      await l.scriptSmtp(upn, [refusal, refusal]);
      return configFor(upn, imap);
    },
  },
  {
    name: 'Entra ID answers 503 every time',
    status: 'CRIT',
    setup: async () => {
      const { upn, imap } = await newMailbox();
      const key = `${tenantId}/${publicApp}/${upn}`.toLowerCase();
      await l.scriptEntra(key, [{ status: 503, times: 20 }]);
      return configFor(upn, imap);
    },
  },
  {
    name: 'authority unreachable',
    status: 'CRIT',
    setup: async () => {
      const { upn, imap } = await newMailbox();
      const doc = configFor(upn, imap);
      doc.mailboxes[0]!.cloud.authorityHost = 'localhost:1';
      delete (doc.mailboxes[0] as { esm?: unknown }).esm;
      return doc;
    },
  },
  {
    name: 'the password’s environment variable is missing (the monitor’s own problem)',
    status: 'UNKNOWN',
    setup: async () => {
      const { upn, imap } = await newMailbox();
      const doc = configFor(upn, imap);
      doc.mailboxes[0]!.auth = { mode: 'password', password: { env: 'NOT_SET_ANYWHERE' } };
      return doc;
    },
  },
];

describe('doctor is a view over the checks', () => {
  it.each(SCENARIOS)('$name: doctor gives every check and the mailbox the status check gives', async (sc) => {
    const doc = await sc.setup();
    const c = await check(doc);
    const d = await doctor(doc);
    const fromCheck = Object.fromEntries(c.results.map((r) => [r.check, r.status]));
    const fromDoctor = Object.fromEntries(
      d.json!.steps.flatMap((s) => (s.check ? [[s.step, s.check.status]] : [])),
    );
    expect(fromDoctor).toEqual(fromCheck);
    expect(d.json!.status).toBe(worstStatus(c.results.map((r) => r.status)));
    expect(d.json!.status).toBe(sc.status);
    expect(c.code).toBe(NAGIOS_EXIT[sc.status]);
    expect(d.code).toBe(sc.status === 'OK' ? 0 : 2);
    expect(d.stdout + d.stderr).not.toContain(PASSWORD);
  });
});
