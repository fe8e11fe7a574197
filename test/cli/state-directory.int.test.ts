/**
 * `mailbox-health check` with a state directory keeps its token (sealed, src/shared/auth/token-vault.ts) and status rows,
 * against the lab's Entra ID and Dovecot with the CLI's real wiring:
 * - repeat runs ask Entra once per token lifetime, and the directory holds no token in clear;
 * - a rotated client secret cannot open the old grant: the next run signs in with the new secret;
 * - a token lacking a permission is not kept: once the admin grants it, the very next run is OK;
 * - an app-only token IMAP refused is not kept either: the next run signs in afresh;
 * - the run's status rows and history are kept too: the next run's inbox check asks only about new messages, and
 *   `mailbox-health status` draws the runs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identityKey } from '../../lab/entra-registry.js';
import { checkCommand } from '../../src/cli/check.js';
import { statusCommand } from '../../src/cli/status.js';
import type { CheckResult } from '../../src/shared/contracts.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

describe.runIf(requireDovecot())('the CLI with a state directory: its token (sealed) and status rows', () => {
  const l = lab();
  const e = labEndpoints();

  /** A tenant, an app with these roles and one granted mailbox, checked by a config with a state directory. */
  async function desk(roles: string[], inbox?: Record<string, unknown>) {
    const tenantId = randomUUID();
    const clientId = randomUUID();
    const secret = `vault-secret-${randomUUID()}`;
    const upn = `${l.unique('vault')}@contoso.example`;
    await l.addTenant(tenantId);
    await l.addApp(tenantId, { clientId, secrets: [{ value: secret }], appRoles: roles });
    await l.addUser(tenantId, { upn, password: `pw-${randomUUID()}` });
    await l.grantMailbox(tenantId, clientId, upn);
    const dir = mkdtempSync(join(tmpdir(), 'mh-vault-'));
    const stateDir = join(dir, 'state');
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        mailboxes: [
          {
            id: 'desk',
            address: upn,
            tenantId,
            clientId,
            auth: { mode: 'clientSecret', clientSecret: { env: 'APP_SECRET' } },
            ...(inbox ? { inbox } : {}),
            cloud: {
              authorityHost: e.authorityHost,
              imapHost: e.imap!.host,
              imapPort: e.imap!.port,
              smtpHost: e.smtp!.host,
              smtpPort: e.smtp!.port,
            },
          },
        ],
        state: { tables: { directory: stateDir } },
      }),
    );
    const tokenRequests = () => l.tokenRequests(identityKey(tenantId, clientId));
    return { tenantId, clientId, secret, upn, file, stateDir, tokenRequests };
  }

  /** One CLI run, as a separate process would make it (a new token cache each time). */
  async function check(file: string, secret: string) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await checkCommand(['--config', file, '--json'], {
      stdout: (x) => out.push(x),
      stderr: (x) => err.push(x),
      env: { APP_SECRET: secret },
    });
    const results = JSON.parse(out.join('\n')) as CheckResult[];
    const status = Object.fromEntries(results.map((r) => [r.check, r.status]));
    expect(out.join('\n') + err.join('\n')).not.toContain(secret);
    return { code, results, status, err };
  }

  it('repeat runs: one token request, the vault file is 0600 and holds no token or secret in clear', async () => {
    const d = await desk(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    const first = await check(d.file, d.secret);
    expect(first.code, first.err.join('\n')).toBe(0);
    const second = await check(d.file, d.secret);
    const third = await check(d.file, d.secret);
    expect([second.code, third.code]).toEqual([0, 0]);
    expect(await d.tokenRequests()).toBe(1);
    expect(second.results.find((r) => r.check === 'auth')?.details).toMatchObject({ fromCache: true });

    const vault = join(d.stateDir, 'token-vault');
    const files = readdirSync(vault);
    expect(files).toHaveLength(1);
    expect(statSync(join(vault, files[0]!)).mode & 0o777).toBe(0o600);
    const text = readFileSync(join(vault, files[0]!), 'utf8');
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT, not even its header
    expect(text).not.toContain(d.secret);
    expect(text).not.toContain(d.clientId);
  });

  it('a rotated secret cannot open the old grant: the next run signs in with the new secret', async () => {
    const d = await desk(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    expect((await check(d.file, d.secret)).code).toBe(0);
    const rotated = `vault-rotated-${randomUUID()}`;
    await l.addApp(d.tenantId, {
      clientId: d.clientId,
      secrets: [{ value: d.secret }, { value: rotated }],
      appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
    });
    const after = await check(d.file, rotated);
    expect(after.code, after.err.join('\n')).toBe(0);
    expect(after.results.find((r) => r.check === 'auth')?.details).toMatchObject({ fromCache: false });
    expect(await d.tokenRequests()).toBe(2);
  });

  it('a token lacking a permission is not kept: the run after the admin grants it is OK', async () => {
    const d = await desk(['SMTP.SendAsApp']);
    const before = await check(d.file, d.secret);
    expect(before.status.auth).toBe('CRIT');
    expect(before.results.find((r) => r.check === 'auth')?.details).toMatchObject({ code: 'EPERMISSIONS' });
    await l.addApp(d.tenantId, {
      clientId: d.clientId,
      secrets: [{ value: d.secret }],
      appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
    });
    const after = await check(d.file, d.secret);
    expect(after.status, after.err.join('\n')).toMatchObject({ auth: 'OK', 'imap-login': 'OK', inbox: 'OK' });
    expect(await d.tokenRequests()).toBe(2);
  });

  it('an app-only token IMAP refused is not kept for the next run, which signs in afresh', async () => {
    const d = await desk(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    expect((await check(d.file, d.secret)).code).toBe(0);
    await l.revokeMailbox(d.tenantId, d.clientId, d.upn);
    const refused = await check(d.file, d.secret);
    expect(refused.status['imap-login']).toBe('CRIT');
    expect(await d.tokenRequests()).toBe(1); // the refused run used the kept token
    await l.grantMailbox(d.tenantId, d.clientId, d.upn);
    const after = await check(d.file, d.secret);
    expect(after.status, after.err.join('\n')).toMatchObject({ auth: 'OK', 'imap-login': 'OK' });
    expect(after.results.find((r) => r.check === 'auth')?.details).toMatchObject({ fromCache: false });
    expect(await d.tokenRequests()).toBe(2);
  });

  it('keeps the status rows and history: the next run asks the server only about the oversized it knew and what arrived since', async () => {
    const d = await desk(['IMAP.AccessAsApp', 'SMTP.SendAsApp'], { maxMessageBytes: 2_000 });
    const mail = (subject: string, bytes: number) => ({
      raw: `From: a@example.org\r\nTo: ${d.upn}\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@x>\r\n\r\n${'x'.repeat(bytes)}\r\n`,
    });
    await l.seedMessages(d.upn, 'INBOX', [mail('small', 10), mail('large', 5_000)]);
    const inboxOf = (r: Awaited<ReturnType<typeof check>>) => r.results.find((x) => x.check === 'inbox')!;
    const first = inboxOf(await check(d.file, d.secret));
    expect(first.details).toMatchObject({ oversizedSearch: 'folder' });
    expect(first.metrics).toMatchObject({ oversizedMessages: 1 });
    await l.seedMessages(d.upn, 'INBOX', [mail('later large', 6_000)]);
    const second = inboxOf(await check(d.file, d.secret));
    expect(second.details).toMatchObject({ oversizedSearch: 'since-last-run' });
    expect(second.metrics).toMatchObject({ oversizedMessages: 2 });
    expect(readdirSync(join(d.stateDir, 'status'))).toHaveLength(1);

    // The runs' history is there too: `mailbox-health status` draws the mailbox from it.
    const out = join(d.stateDir, '..', 'pages', 'status.html');
    const lines: string[] = [];
    const code = await statusCommand(['--config', d.file, '--out', out], {
      stdout: (x) => lines.push(x),
      stderr: (x) => lines.push(x),
      env: {},
    });
    expect(code, lines.join('\n')).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('>desk</a>');
    expect(readFileSync(out, 'utf8')).not.toContain('class="badge b-NONE"');
    const page = readFileSync(join(d.stateDir, '..', 'pages', 'status', 'desk.html'), 'utf8');
    expect(page.match(/<tr/g)?.length ?? 0).toBeGreaterThanOrEqual(3); // a header and the two runs
  });
});
