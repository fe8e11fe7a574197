/**
 * `mailbox-health check` with its REAL wiring (config file, secret resolver, the auth part's token source over
 * the lab's Entra ID, Dovecot for IMAP, the lab's SMTP submission): a healthy delegated (ROPC) mailbox and an
 * app-only (client secret) one pass all seven checks; SMTP held one connection and sent nothing; Exchange's
 * 5.7.139 turns the run CRIT (exit 2) with the Set-CASMailbox fix; no password, secret or token in any output.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { identityKey } from '../../lab/entra-registry.js';
import { checkCommand } from '../../src/cli/check.js';
import { CheckResultSchema, CHECK_NAMES } from '../../src/shared/contracts.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

const HAS_DOVECOT = requireDovecot();

describe.runIf(HAS_DOVECOT)('mailbox-health check, wired for real, against the lab', () => {
  const l = lab();
  const e = labEndpoints();
  const tenantId = randomUUID();
  const publicApp = randomUUID();
  const confidentialApp = randomUUID();
  const PASSWORD = 'Check pw ' + randomUUID();
  const SECRET = 'app-secret-' + randomUUID();
  const env = { DESK_PW: PASSWORD, APP_SECRET: SECRET };
  const dir = mkdtempSync(join(tmpdir(), 'mh-check-lab-'));

  beforeAll(async () => {
    await l.addTenant(tenantId);
    await l.addApp(tenantId, { clientId: publicApp, publicClient: true });
    await l.addApp(tenantId, {
      clientId: confidentialApp,
      secrets: [{ value: SECRET }],
      appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
    });
  });

  async function configFile(kind: 'delegated' | 'app-only') {
    const upn = `${l.unique('chk')}@contoso.example`;
    await l.addUser(tenantId, { upn, password: PASSWORD });
    if (kind === 'app-only') await l.grantMailbox(tenantId, confidentialApp, upn);
    const mailbox = {
      id: 'desk',
      address: upn,
      tenantId,
      clientId: kind === 'app-only' ? confidentialApp : publicApp,
      auth:
        kind === 'app-only'
          ? { mode: 'clientSecret', clientSecret: { env: 'APP_SECRET' } }
          : { mode: 'password', password: { env: 'DESK_PW' } },
      cloud: {
        authorityHost: e.authorityHost,
        imapHost: e.imap!.host,
        imapPort: e.imap!.port,
        smtpHost: e.smtp!.host,
        smtpPort: e.smtp!.port,
      },
    };
    const file = join(dir, `${upn}.json`);
    writeFileSync(file, JSON.stringify({ mailboxes: [mailbox] }));
    return { upn, file };
  }

  async function check(file: string, json: boolean) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await checkCommand(['--config', file, ...(json ? ['--json'] : [])], {
      stdout: (x) => out.push(x),
      stderr: (x) => err.push(x),
      env,
    });
    const all = out.join('\n') + err.join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(SECRET);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./); // no JWT
    return { code, out, err };
  }

  it.each(['delegated', 'app-only'] as const)(
    'healthy %s mailbox: exit 0, all seven checks OK',
    async (kind) => {
      const { upn, file } = await configFile(kind);
      const { code, out, err } = await check(file, true);
      const results = (JSON.parse(out.join('\n')) as unknown[]).map((r) => CheckResultSchema.parse(r));
      expect(
        results.map((r) => `${r.check}:${r.status}`),
        err.join('\n'),
      ).toEqual(CHECK_NAMES.map((n) => `${n}:OK`));
      expect(code).toBe(0);
      // The probe closes its socket at once; the server sees the close a moment later (bounded wait).
      let smtp = await l.smtpStats(upn);
      for (let i = 0; i < 40 && smtp.current > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        smtp = await l.smtpStats(upn);
      }
      expect(smtp).toMatchObject({ connections: 1, maxConcurrent: 1, current: 0 });
      expect(await l.smtpMessages(upn)).toEqual([]);
      // auth, IMAP and SMTP of one run share one token request.
      const key = identityKey(
        tenantId,
        kind === 'app-only' ? confidentialApp : publicApp,
        kind === 'app-only' ? undefined : upn,
      );
      expect(await l.tokenRequests(key)).toBe(1);
    },
  );

  it('SMTP AUTH disabled (535 5.7.139): exit 2, smtp-auth CRIT with the Set-CASMailbox fix in the table', async () => {
    const { upn, file } = await configFile('delegated');
    await l.scriptSmtp(upn, [
      {
        at: 'auth',
        code: 535,
        message:
          '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.',
      },
    ]);
    const { code, out } = await check(file, false);
    expect(code).toBe(2);
    expect(out[0]).toMatch(
      /^MAILBOX-HEALTH CRITICAL - desk smtp-auth CRIT: SMTP AUTH XOAUTH2 failed: 535 5\.7\.139 /,
    );
    const row = out.find((line) => /^desk\s+smtp-auth\s+CRIT/.test(line));
    expect(row).toContain(`Set-CASMailbox -Identity ${upn} -SmtpClientAuthenticationDisabled $false`);
  });
});
