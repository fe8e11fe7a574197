/**
 * Every AADSTS code of the catalogue, as the lab's Entra returns it in Microsoft's body shape, reaches the `auth`
 * check as its cause, fix and setup step; and the real misconfigurations the lab reproduces (not a public
 * client, no consent, wrong secret, expired secret, unknown tenant or app, token without SMTP) are named.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { identityKey } from '../../lab/entra-registry.js';
import { AADSTS_CATALOGUE, createTokenSource, TokenCache } from '../../src/shared/auth/index.js';
import { authCheck } from '../../src/shared/checks/auth.js';
import { systemClock } from '../../src/shared/clock.js';
import type { MailboxConfig } from '../../src/shared/config/index.js';
import { CheckResultSchema, type CheckResult } from '../../src/shared/contracts.js';
import { silentLogger } from '../../src/shared/logger.js';
import { lab } from '../helpers/lab.js';
import { checkContext, labMailbox, secretsFrom } from './helpers.js';

const l = lab();
const tenantId = randomUUID();
const publicApp = randomUUID();
const confidentialApp = randomUUID();
const env = { PW: 'Correct horse 1', SECRET: 'value-' + randomUUID(), OLD: 'old-' + randomUUID() };

beforeAll(async () => {
  await l.addTenant(tenantId);
  await l.addApp(tenantId, { clientId: publicApp, publicClient: true });
  await l.addApp(tenantId, {
    clientId: confidentialApp,
    secrets: [{ value: env.SECRET }, { value: env.OLD, expiresOn: '2020-01-01' }],
    appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
  });
});

async function newUser(extra: Record<string, unknown> = {}): Promise<string> {
  const upn = `${l.unique('u')}@contoso.example`;
  await l.addUser(tenantId, { upn, password: env.PW, ...extra });
  return upn;
}

function ropc(upn: string, over: Partial<{ clientId: string; tenantId: string }> = {}): MailboxConfig {
  return labMailbox({
    address: upn,
    tenantId: over.tenantId ?? tenantId,
    clientId: over.clientId ?? publicApp,
    authorityHost: l.authorityHost,
    auth: { mode: 'password', password: { env: 'PW' } },
  });
}

async function runAuth(m: MailboxConfig): Promise<CheckResult> {
  const src = createTokenSource(m, {
    secrets: secretsFrom(env),
    clock: systemClock,
    logger: silentLogger,
    cache: new TokenCache({ sleep: async () => undefined }),
  });
  const r = CheckResultSchema.parse(await authCheck(checkContext(m, src, systemClock, env)));
  // Whatever happened, no credential reaches the result.
  for (const secret of Object.values(env)) expect(JSON.stringify(r)).not.toContain(secret);
  return r;
}

describe('every catalogue AADSTS code, scripted in the lab', () => {
  const codes = Object.keys(AADSTS_CATALOGUE).map(Number);
  it.each(codes)('AADSTS%i → its cause, fix and setup step', async (code) => {
    const upn = await newUser();
    await l.scriptEntra(identityKey(tenantId, publicApp, upn), [
      { error: { code, error: 'invalid_grant', description: `Scripted description for ${code}.` } },
    ]);
    const r = await runAuth(ropc(upn));
    const entry = AADSTS_CATALOGUE[code]!;
    expect(r.status).toBe('CRIT');
    expect(r.details).toMatchObject({ code: `AADSTS${code}`, transient: false });
    expect(r.remediation).toEqual({ cause: entry.cause, fix: entry.fix, setupStep: entry.setupStep });
    expect(r.summary).toContain(`AADSTS${code}`);
    // Microsoft's description is kept, without the trace and correlation ids.
    expect(r.details?.message).toBe(`AADSTS${code}: Scripted description for ${code}.`);
  });

  it('an unknown code keeps Microsoft’s description', async () => {
    const upn = await newUser();
    await l.scriptEntra(identityKey(tenantId, publicApp, upn), [
      { error: { code: 135010, error: 'invalid_grant', description: 'Key not found.' } },
    ]);
    const r = await runAuth(ropc(upn));
    expect(r.remediation?.cause).toBe('AADSTS135010: Key not found.');
    expect(r.remediation?.setupStep).toBeUndefined();
  });
});

describe('misconfigurations the lab reproduces', () => {
  it('app not a public client → 7000218 with "Allow public client flows"', async () => {
    const r = await runAuth(ropc(await newUser(), { clientId: confidentialApp }));
    expect(r.details?.code).toBe('AADSTS7000218');
    expect(r.remediation?.setupStep).toBe('public-client-flows');
    expect(r.remediation?.fix).toContain('Authentication → Advanced settings');
    expect(r.remediation?.fix).toContain('"Allow public client flows"');
  });

  it('consent missing → 65001, admin-consent', async () => {
    const app = randomUUID();
    await l.addApp(tenantId, {
      clientId: app,
      publicClient: true,
      delegatedScopes: ['IMAP.AccessAsUser.All'],
    });
    const r = await runAuth(ropc(await newUser(), { clientId: app }));
    expect(r.details?.code).toBe('AADSTS65001');
    expect(r.remediation?.setupStep).toBe('admin-consent');
  });

  it.each([
    [{ mfaRequired: true }, 'AADSTS50076'],
    [{ locked: true }, 'AADSTS50053'],
    [{ disabled: true }, 'AADSTS50057'],
    [{ passwordExpired: true }, 'AADSTS50055'],
    [{ password: 'something else' }, 'AADSTS50126'],
  ])('account state %o → %s with the account step', async (state, code) => {
    const r = await runAuth(ropc(await newUser(state)));
    expect(r.details?.code).toBe(code);
    expect(r.remediation?.setupStep).toBe('account');
  });

  it('unknown tenant → 90002; unknown app → 700016', async () => {
    const t = await runAuth(ropc(await newUser(), { tenantId: randomUUID() }));
    expect(t.details?.code).toBe('AADSTS90002');
    const a = await runAuth(ropc(await newUser(), { clientId: randomUUID() }));
    expect(a.details?.code).toBe('AADSTS700016');
    expect(a.remediation?.setupStep).toBe('app-registration');
  });

  it('wrong secret → 7000215; expired secret → 7000222', async () => {
    const secretMailbox = (name: string) =>
      labMailbox({
        address: `x-${randomUUID().slice(0, 6)}@contoso.example`,
        tenantId,
        clientId: confidentialApp,
        authorityHost: l.authorityHost,
        auth: { mode: 'clientSecret', clientSecret: { env: name } },
      });
    const wrong = await runAuth(secretMailbox('PW'));
    expect(wrong.details?.code).toBe('AADSTS7000215');
    expect(wrong.remediation?.fix).toContain('Value');
    const old = await runAuth(secretMailbox('OLD'));
    expect(old.details?.code).toBe('AADSTS7000222');
  });

  it('a token without SMTP.Send → api-permissions before any IMAP/SMTP attempt', async () => {
    const upn = await newUser();
    await l.scriptEntra(identityKey(tenantId, publicApp, upn), [{ scopes: ['IMAP.AccessAsUser.All'] }]);
    const r = await runAuth(ropc(upn));
    expect(r.status).toBe('CRIT');
    expect(r.details).toMatchObject({ missing: ['SMTP.Send'] });
    expect(r.remediation?.setupStep).toBe('api-permissions');
  });

  it('an app-only token without SMTP.SendAsApp → api-permissions', async () => {
    const app = randomUUID();
    await l.addApp(tenantId, {
      clientId: app,
      secrets: [{ value: env.SECRET }],
      appRoles: ['IMAP.AccessAsApp'],
    });
    const m = labMailbox({
      address: `app-${randomUUID().slice(0, 6)}@contoso.example`,
      tenantId,
      clientId: app,
      authorityHost: l.authorityHost,
      auth: { mode: 'clientSecret', clientSecret: { env: 'SECRET' } },
    });
    const r = await runAuth(m);
    expect(r.details).toMatchObject({ missing: ['SMTP.SendAsApp'] });
    expect(r.remediation?.setupStep).toBe('api-permissions');
  });

  it('a missing secret is named by where it should be, not by value', async () => {
    const m = labMailbox({
      address: `n-${randomUUID().slice(0, 6)}@contoso.example`,
      tenantId,
      clientId: publicApp,
      authorityHost: l.authorityHost,
      auth: { mode: 'password', password: { env: 'NOT_SET_ANYWHERE' } },
    });
    const r = await runAuth(m);
    expect(r.details?.code).toBe('ESECRET');
    expect(r.summary).toContain('NOT_SET_ANYWHERE');
  });
});
