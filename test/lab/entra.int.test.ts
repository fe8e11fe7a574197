/**
 * The lab's Entra emulator is real enough for MSAL: ROPC (public client), client credentials (secret and
 * certificate), silent renewal from the cache, and scripted AADSTS errors surfacing as MSAL ServerErrors.
 */
import {
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  PublicClientApplication,
  ServerError,
  type Configuration,
} from '@azure/msal-node';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueClientCertificate } from '../../lab/ca.js';
import { identityKey } from '../../lab/entra-registry.js';
import { lab } from '../helpers/lab.js';

const IMAP = 'https://outlook.office365.com/IMAP.AccessAsUser.All';
const SMTP = 'https://outlook.office365.com/SMTP.Send';
const DEFAULT = 'https://outlook.office365.com/.default';

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('lab Entra emulator with MSAL', () => {
  const l = lab();
  const tenantId = randomUUID();
  const publicApp = randomUUID();
  const confApp = randomUUID();
  const domain = `${l.unique('contoso')}.example`;
  const upn = `${l.unique('desk')}@contoso.example`;
  const secret = 'lab-secret-' + randomUUID();
  const cfg = (clientId: string, extra: Partial<Configuration['auth']> = {}): Configuration => ({
    auth: { clientId, authority: l.authority(tenantId), knownAuthorities: [l.authorityHost], ...extra },
  });

  beforeAll(async () => {
    // A domain of its own: other test files register tenants too, and a domain must resolve to one tenant.
    await l.addTenant(tenantId, [domain]);
    await l.addUser(tenantId, { upn, password: 'Correct horse 1' });
    await l.addApp(tenantId, { clientId: publicApp, publicClient: true });
    await l.addApp(tenantId, {
      clientId: confApp,
      secrets: [{ value: secret }],
      appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
    });
  });

  it('ROPC returns a delegated Exchange token, and acquireTokenSilent reuses the cached account', async () => {
    const pca = new PublicClientApplication(cfg(publicApp));
    const r = await pca.acquireTokenByUsernamePassword({
      username: upn,
      password: 'Correct horse 1',
      scopes: [IMAP, SMTP],
    });
    expect(r).not.toBeNull();
    const c = claims(r!.accessToken);
    expect(c).toMatchObject({ aud: 'https://outlook.office365.com', tid: tenantId, upn, appid: publicApp });
    expect(String(c.scp).split(' ').sort()).toEqual(['IMAP.AccessAsUser.All', 'SMTP.Send']);
    expect(r!.account?.username).toBe(upn);
    expect((await l.validateToken(r!.accessToken)).ok).toBe(true);

    const key = identityKey(tenantId, publicApp, upn);
    const before = await l.tokenRequests(key);
    const silent = await pca.acquireTokenSilent({ account: r!.account!, scopes: [IMAP, SMTP] });
    expect(silent.accessToken).toBe(r!.accessToken); // served from the cache: no new request
    expect(await l.tokenRequests(key)).toBe(before);
    const refreshed = await pca.acquireTokenSilent({
      account: r!.account!,
      scopes: [IMAP, SMTP],
      forceRefresh: true,
    });
    expect(await l.tokenRequests(key)).toBe(before + 1); // the refresh token grant counts for the same identity
    expect(claims(refreshed.accessToken).upn).toBe(upn);
  });

  it('the authority also works by tenant domain name', async () => {
    const pca = new PublicClientApplication({
      auth: {
        clientId: publicApp,
        authority: l.authority(domain),
        knownAuthorities: [l.authorityHost],
      },
    });
    const r = await pca.acquireTokenByUsernamePassword({
      username: upn,
      password: 'Correct horse 1',
      scopes: [IMAP],
    });
    expect(claims(r!.accessToken).tid).toBe(tenantId);
  });

  it('a wrong password surfaces as ServerError invalid_grant AADSTS50126', async () => {
    const pca = new PublicClientApplication(cfg(publicApp));
    const err = await pca
      .acquireTokenByUsernamePassword({ username: upn, password: 'wrong', scopes: [IMAP] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).errorCode).toBe('invalid_grant');
    expect((err as ServerError).errorMessage).toContain('AADSTS50126: Error validating credentials');
    expect(String((err as ServerError).errorNo)).toBe('50126');
  });

  it('ROPC without a secret on a confidential app is AADSTS7000218 (public client flows not enabled)', async () => {
    const pca = new PublicClientApplication(cfg(confApp));
    const err = await pca
      .acquireTokenByUsernamePassword({ username: upn, password: 'Correct horse 1', scopes: [IMAP] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).errorCode).toBe('invalid_client');
    expect((err as ServerError).errorMessage).toContain('AADSTS7000218: ');
  });

  it('a scripted AADSTS error (MFA required) reaches MSAL with its code, suberror and description', async () => {
    const user = `${l.unique('mfa')}@contoso.example`;
    await l.addUser(tenantId, { upn: user, password: 'pw' });
    const key = identityKey(tenantId, publicApp, user);
    await l.scriptEntra(key, [
      {
        error: {
          code: 50076,
          error: 'invalid_grant',
          suberror: 'basic_action',
          description: 'You must use multi-factor authentication.',
        },
      },
    ]);
    const pca = new PublicClientApplication(cfg(publicApp));
    const err = await pca
      .acquireTokenByUsernamePassword({ username: user, password: 'pw', scopes: [IMAP] })
      .catch((e: unknown) => e);
    // MSAL classes basic_action as "interaction required"; it is still the server's AADSTS code and text.
    expect(err).toBeInstanceOf(InteractionRequiredAuthError);
    expect(String((err as ServerError).errorNo)).toBe('50076');
    expect((err as ServerError).subError).toBe('basic_action');
    expect((err as ServerError).errorMessage).toContain(
      'AADSTS50076: You must use multi-factor authentication.',
    );
    // The script is used up: the next request succeeds, and both were counted.
    const ok = await pca.acquireTokenByUsernamePassword({ username: user, password: 'pw', scopes: [IMAP] });
    expect(ok?.accessToken).toBeTruthy();
    expect(await l.tokenRequests(key)).toBe(2);
  });

  it('any scripted AADSTS code surfaces as a ServerError with that code and description', async () => {
    const user = `${l.unique('dis')}@contoso.example`;
    await l.addUser(tenantId, { upn: user, password: 'pw' });
    await l.scriptEntra(identityKey(tenantId, publicApp, user), [
      { error: { code: 50057, error: 'invalid_grant', description: 'The user account is disabled.' } },
    ]);
    const pca = new PublicClientApplication(cfg(publicApp));
    const err = await pca
      .acquireTokenByUsernamePassword({ username: user, password: 'pw', scopes: [IMAP] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).errorCode).toBe('invalid_grant');
    expect(String((err as ServerError).errorNo)).toBe('50057');
    expect((err as ServerError).errorMessage).toContain('AADSTS50057: The user account is disabled.');
  });

  it('account flags map to Entra codes (locked → 50053)', async () => {
    const user = `${l.unique('locked')}@contoso.example`;
    await l.addUser(tenantId, { upn: user, password: 'pw', locked: true });
    const pca = new PublicClientApplication(cfg(publicApp));
    const err = await pca
      .acquireTokenByUsernamePassword({ username: user, password: 'pw', scopes: [IMAP] })
      .catch((e: unknown) => e);
    expect(String((err as ServerError).errorNo)).toBe('50053');
  });

  it('client credentials with a secret return an app-only token with roles', async () => {
    const cca = new ConfidentialClientApplication(cfg(confApp, { clientSecret: secret }));
    const r = await cca.acquireTokenByClientCredential({ scopes: [DEFAULT] });
    const c = claims(r!.accessToken);
    expect(c).toMatchObject({ aud: 'https://outlook.office365.com', tid: tenantId, appid: confApp });
    expect(c.roles).toEqual(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    expect(c.scp).toBeUndefined();
    expect(await l.tokenRequests(identityKey(tenantId, confApp))).toBeGreaterThanOrEqual(1);
  });

  it('a wrong secret is AADSTS7000215 and an expired one AADSTS7000222', async () => {
    const bad = new ConfidentialClientApplication(cfg(confApp, { clientSecret: 'nope' }));
    const e1 = await bad.acquireTokenByClientCredential({ scopes: [DEFAULT] }).catch((e: unknown) => e);
    expect(String((e1 as ServerError).errorNo)).toBe('7000215');
    const app = randomUUID();
    await l.addApp(tenantId, { clientId: app, secrets: [{ value: 's', expiresOn: '2020-01-01' }] });
    const old = new ConfidentialClientApplication(cfg(app, { clientSecret: 's' }));
    const e2 = await old.acquireTokenByClientCredential({ scopes: [DEFAULT] }).catch((e: unknown) => e);
    expect(String((e2 as ServerError).errorNo)).toBe('7000222');
  });

  it('client credentials with a certificate: valid, then unknown and expired certificates are refused', async () => {
    const app = randomUUID();
    const good = issueClientCertificate('lab-good');
    const expired = issueClientCertificate('lab-expired', {
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-01T00:00:00Z'),
    });
    const stranger = issueClientCertificate('lab-stranger');
    await l.addApp(tenantId, {
      clientId: app,
      certificates: [{ certPem: good.certPem }, { certPem: expired.certPem }],
      appRoles: ['IMAP.AccessAsApp'],
    });
    const withCert = (c: typeof good) =>
      new ConfidentialClientApplication(
        cfg(app, {
          clientCertificate: {
            thumbprintSha256: Buffer.from(c.thumbprintSha256, 'base64url').toString('hex'),
            privateKey: c.keyPem,
            x5c: c.certPem,
          },
        }),
      );
    const r = await withCert(good).acquireTokenByClientCredential({ scopes: [DEFAULT] });
    expect(claims(r!.accessToken).roles).toEqual(['IMAP.AccessAsApp']);
    const e1 = await withCert(stranger)
      .acquireTokenByClientCredential({ scopes: [DEFAULT] })
      .catch((e: unknown) => e);
    expect(String((e1 as ServerError).errorNo)).toBe('700027');
    expect((e1 as ServerError).errorMessage).toContain('The key was not found');
    const e2 = await withCert(expired)
      .acquireTokenByClientCredential({ scopes: [DEFAULT] })
      .catch((e: unknown) => e);
    expect(String((e2 as ServerError).errorNo)).toBe('700027');
    expect((e2 as ServerError).errorMessage).toContain('expired');
  });

  it('HTTP 429 with Retry-After reaches MSAL as a ServerError with status 429', async () => {
    const app = randomUUID();
    await l.addApp(tenantId, { clientId: app, secrets: [{ value: 'x' }] });
    await l.scriptEntra(identityKey(tenantId, app), [{ status: 429, retryAfterSeconds: 7 }]);
    const cca = new ConfidentialClientApplication(cfg(app, { clientSecret: 'x' }));
    const err = await cca.acquireTokenByClientCredential({ scopes: [DEFAULT] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).status).toBe(429);
  });

  it('scripted short lifetime and missing scopes shape the issued token', async () => {
    const user = `${l.unique('short')}@contoso.example`;
    await l.addUser(tenantId, { upn: user, password: 'pw' });
    await l.scriptEntra(identityKey(tenantId, publicApp, user), [
      { tokenLifetimeSeconds: 60, scopes: ['SMTP.Send'] },
    ]);
    const pca = new PublicClientApplication(cfg(publicApp));
    const r = await pca.acquireTokenByUsernamePassword({
      username: user,
      password: 'pw',
      scopes: [IMAP, SMTP],
    });
    const c = claims(r!.accessToken);
    expect(Number(c.exp) - Number(c.iat)).toBe(60);
    expect(c.scp).toBe('SMTP.Send');
  });
});
