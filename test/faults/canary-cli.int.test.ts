/**
 * The canary scan over what an operator and Azure Monitor see: the BUILT command line (`dist/bundle/cli.js check`
 * and `doctor`, human and `--json`) run as a child process, its stdout and stderr, and the telemetry items the
 * results become at an HTTPS ingestion endpoint. Every server in the path echoes what it received: the lab's Entra
 * quotes the token request body (with the password), an IMAP server quotes the AUTHENTICATE XOAUTH2 line (with the
 * token), an SMTP server quotes the token it was given. Zero secrets may come out, in any encoding.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityKey } from '../../lab/entra-registry.js';
import { startScriptedImap, type ScriptedImapServer } from '../../lab/scripted-imap.js';
import type { CheckResult } from '../../src/shared/contracts.js';
import { secretForms } from '../../src/shared/faults/index.js';
import { createTelemetry } from '../../src/shared/telemetry/app-insights.js';
import { lab, labEndpoints } from '../helpers/lab.js';

const CLI = join(process.cwd(), 'dist/bundle/cli.js');
const l = lab();
const tenantId = randomUUID();
const publicApp = randomUUID();
// Canaries with characters that change under URL, form and base64 encoding.
const PW_TOKEN_ECHO = `Pw+/=&${randomUUID()} ä`;
const PW_MAIL_ECHO = `Mail+pw/${randomUUID()}=&`;
/** Tokens the echoing SMTP server was handed (the same the IMAP server quoted): scanned for too. */
const tokensSeen = new Set<string>();

const dir = mkdtempSync(join(tmpdir(), 'mh-canary-cli-'));
const tls = dirname(labEndpoints().caPath);
const serverTls = { key: readFileSync(join(tls, 'server.key')), cert: readFileSync(join(tls, 'server.pem')) };
let imap: ScriptedImapServer;
let smtp: SMTPServer;
let config = '';

beforeAll(async () => {
  const e = labEndpoints();
  const tokenEcho = `${l.unique('echo-token')}@contoso.example`;
  const mailEcho = `${l.unique('echo-mail')}@contoso.example`;
  await l.addTenant(tenantId, [`${l.unique('canary')}.example`]);
  await l.addApp(tenantId, { clientId: publicApp, publicClient: true });
  await l.addUser(tenantId, { upn: tokenEcho, password: PW_TOKEN_ECHO });
  await l.addUser(tenantId, { upn: mailEcho, password: PW_MAIL_ECHO });
  // Every token request of this user is answered 400 quoting the request body (username=…&password=…).
  await l.scriptEntra(identityKey(tenantId, publicApp, tokenEcho), [{ echo: true, times: 50 }]);
  imap = await startScriptedImap({
    tls: serverTls,
    user: mailEcho,
    token: 'unused',
    behaviour: { auth: 'echo' },
  });
  smtp = new SMTPServer({
    secure: false,
    ...serverTls,
    authMethods: ['XOAUTH2'],
    logger: false,
    onAuth: (auth, _s, cb) => {
      tokensSeen.add(auth.accessToken ?? '');
      cb(
        Object.assign(new Error(`5.7.3 Authentication unsuccessful for token ${auth.accessToken}`), {
          responseCode: 535,
        }),
      );
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const mailbox = (id: string, address: string, env: string) => ({
    id,
    address,
    tenantId,
    clientId: publicApp,
    auth: { mode: 'password', password: { env } },
    cloud: {
      authorityHost: e.authorityHost,
      imapHost: 'localhost',
      imapPort: imap.port,
      smtpHost: 'localhost',
      smtpPort,
    },
    deadlineSeconds: 20,
  });
  config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      mailboxes: [
        mailbox('token-echo', tokenEcho, 'PW_TOKEN_ECHO'),
        mailbox('mail-echo', mailEcho, 'PW_MAIL_ECHO'),
      ],
    }),
  );
});

afterAll(async () => {
  await imap?.close();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the built CLI as an operator (or Nagios) would; resolves with its exit code and both streams. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { ...process.env, PW_TOKEN_ECHO, PW_MAIL_ECHO },
        timeout: 90_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Every encoding of every canary and every token a server saw, plus the shapes no output may carry. */
function secretsIn(text: string): string[] {
  const found: string[] = [];
  for (const secret of [PW_TOKEN_ECHO, PW_MAIL_ECHO, ...tokensSeen].filter(Boolean))
    for (const form of secretForms(secret)) if (text.includes(form)) found.push(`${form.slice(0, 10)}…`);
  for (const shape of [
    /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, // a JWT
    /dXNlcj[0-9A-Za-z+/]{8,}/, // base64 of "user=…": an XOAUTH2 initial response
    /auth=Bearer\s+\S{8,}/,
    /password=(?!\[redacted)/,
  ]) {
    const m = shape.exec(text);
    if (m) found.push(`${m[0].slice(0, 10)}…`);
  }
  return found;
}

describe('canary scan: the built CLI and telemetry, with echoing servers', () => {
  const outputs: string[] = [];
  let results: CheckResult[] = [];

  it('check --json: CRIT, the echoes happened, 0 secrets on stdout or stderr', async () => {
    const r = await cli(['check', '--config', config, '--json']);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(2);
    results = JSON.parse(r.stdout) as CheckResult[];
    const auth = results.find((x) => x.mailbox === 'token-echo' && x.check === 'auth');
    // The endpoint did echo the body: the scrubbed quote is there, the password is not.
    expect(JSON.stringify(auth)).toContain('password=[redacted]');
    const imapLogin = results.find((x) => x.mailbox === 'mail-echo' && x.check === 'imap-login');
    expect(imapLogin?.status).toBe('CRIT');
    expect(imapLogin?.summary).toContain('[redacted');
    expect(tokensSeen.size).toBeGreaterThan(0);
    expect(secretsIn(r.stdout + r.stderr)).toEqual([]);
  }, 120_000);

  it('check (Nagios line and table), doctor and doctor --json: 0 secrets', async () => {
    for (const args of [
      ['check', '--config', config],
      ['doctor', '--config', config],
      ['doctor', '--config', config, '--json'],
    ]) {
      const r = await cli(args);
      outputs.push(r.stdout, r.stderr);
      expect(r.stdout.length, args.join(' ')).toBeGreaterThan(0);
      expect(secretsIn(r.stdout + r.stderr), args.join(' ')).toEqual([]);
    }
    expect(outputs.join('\n')).toContain('[redacted');
  }, 240_000);

  it('telemetry items sent for those results: 0 secrets', async () => {
    expect(results.length).toBeGreaterThan(0);
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL = 'true';
    const bodies: string[] = [];
    const ingestion: Server = createServer(serverTls, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        bodies.push(body.toString('utf8'));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
      });
    });
    await new Promise<void>((r) => ingestion.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (ingestion.address() as AddressInfo).port;
      const t = createTelemetry({
        appInsightsConnectionString: `InstrumentationKey=${randomUUID()};IngestionEndpoint=https://localhost:${port}/`,
      });
      t.recordResults(results);
      await t.flush();
      await t.shutdown();
    } finally {
      await new Promise<void>((r) => ingestion.close(() => r()));
    }
    const sent = bodies.join('\n');
    expect(sent).toContain('token-echo/auth');
    expect(secretsIn(sent)).toEqual([]);
  }, 60_000);
});
