/**
 * Token acquisition against the lab's Entra emulator over HTTPS: the three credential kinds, token reuse per
 * identity (the lab counts token requests), renewal ahead of expiry, 429-then-success with the retry recorded,
 * and a persisting outage reported as transient.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueClientCertificate } from '../../lab/ca.js';
import { identityKey } from '../../lab/entra-registry.js';
import { createTokenSource, TokenCache } from '../../src/shared/auth/index.js';
import { authCheck } from '../../src/shared/checks/auth.js';
import { ManualClock, systemClock } from '../../src/shared/clock.js';
import { CheckResultSchema } from '../../src/shared/contracts.js';
import { silentLogger } from '../../src/shared/logger.js';
import { lab } from '../helpers/lab.js';
import { checkContext, labMailbox, secretsFrom } from './helpers.js';

const l = lab();
const tenantId = randomUUID();
const publicApp = randomUUID();
const secretApp = randomUUID();
const certApp = randomUUID();
const upn = `${l.unique('desk')}@contoso.example`;
const env = {
  DESK_PASSWORD: 'Correct horse 1',
  APP_SECRET: 'lab-secret-' + randomUUID(),
} as Record<string, string>;
const roles = ['IMAP.AccessAsApp', 'SMTP.SendAsApp'];

beforeAll(async () => {
  const cert = issueClientCertificate('mailbox-health-auth-test');
  env.CERT_PEM = cert.certPem;
  env.KEY_PEM = cert.keyPem;
  // A domain of its own: other test files register tenants too.
  await l.addTenant(tenantId, [`${l.unique('contoso')}.example`]);
  await l.addUser(tenantId, { upn, password: env.DESK_PASSWORD! });
  await l.addApp(tenantId, { clientId: publicApp, publicClient: true });
  await l.addApp(tenantId, { clientId: secretApp, secrets: [{ value: env.APP_SECRET! }], appRoles: roles });
  await l.addApp(tenantId, { clientId: certApp, certificates: [{ certPem: cert.certPem }], appRoles: roles });
});

const passwordMailbox = (address = upn) =>
  labMailbox({
    address,
    tenantId,
    clientId: publicApp,
    authorityHost: l.authorityHost,
    auth: { mode: 'password', password: { env: 'DESK_PASSWORD' } },
  });
const secretMailbox = (address: string) =>
  labMailbox({
    address,
    tenantId,
    clientId: secretApp,
    authorityHost: l.authorityHost,
    auth: { mode: 'clientSecret', clientSecret: { env: 'APP_SECRET' } },
  });

describe('three credential kinds', () => {
  it('ROPC with a public client gives a delegated token with IMAP and SMTP scopes', async () => {
    const src = createTokenSource(passwordMailbox(), {
      secrets: secretsFrom(env),
      clock: systemClock,
      logger: silentLogger,
      cache: new TokenCache(),
    });
    const out = await src.acquire();
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.grant).toMatchObject({ kind: 'delegated', fromCache: false, retries: 0 });
    expect(out.grant.claims).toMatchObject({ tid: tenantId, upn, aud: 'https://outlook.office365.com' });
    expect(out.grant.claims.scp?.split(' ')).toEqual(
      expect.arrayContaining(['IMAP.AccessAsUser.All', 'SMTP.Send']),
    );
  });

  it('client credentials with a secret give an app-only token with the roles', async () => {
    const src = createTokenSource(secretMailbox(`a-${upn}`), {
      secrets: secretsFrom(env),
      clock: systemClock,
      logger: silentLogger,
      cache: new TokenCache(),
    });
    const out = await src.acquire();
    expect(out.ok && out.grant.kind).toBe('app-only');
    expect(out.ok && out.grant.claims.roles).toEqual(roles);
  });

  it('client credentials with a certificate (signed assertion) give an app-only token', async () => {
    const m = labMailbox({
      address: `c-${upn}`,
      tenantId,
      clientId: certApp,
      authorityHost: l.authorityHost,
      auth: { mode: 'certificate', certificate: { env: 'CERT_PEM' }, privateKey: { env: 'KEY_PEM' } },
    });
    const src = createTokenSource(m, {
      secrets: secretsFrom(env),
      clock: systemClock,
      logger: silentLogger,
      cache: new TokenCache(),
    });
    const out = await src.acquire();
    if (!out.ok) throw new Error(`no token: ${out.failure.code} ${out.failure.message}`);
    expect(out.grant.claims).toMatchObject({ appid: certApp, roles });
  });
});

describe('token reuse', () => {
  it('N runs × M mailboxes of one app cost one token request; IMAP and SMTP share it', async () => {
    const cache = new TokenCache();
    const mailboxes = [1, 2, 3].map((i) => secretMailbox(`shared${i}-${upn}`));
    const key = identityKey(tenantId, secretApp);
    const before = await l.tokenRequests(key);
    for (let run = 0; run < 3; run++) {
      const outcomes = await Promise.all(
        mailboxes.flatMap((m) => {
          const src = createTokenSource(m, {
            secrets: secretsFrom(env),
            clock: systemClock,
            logger: silentLogger,
            cache,
          });
          return [src.acquire(), src.acquire()]; // IMAP and SMTP of the mailbox, concurrently
        }),
      );
      expect(outcomes.every((o) => o.ok)).toBe(true);
    }
    expect((await l.tokenRequests(key)) - before).toBe(1);
  });

  it('ROPC: repeated runs reuse the token; renewal ahead of expiry uses the refresh token', async () => {
    const user = `${l.unique('renew')}@contoso.example`;
    await l.addUser(tenantId, { upn: user, password: env.DESK_PASSWORD! });
    const key = identityKey(tenantId, publicApp, user);
    const cache = new TokenCache();
    const clock = new ManualClock(Date.now());
    const src = () =>
      createTokenSource(passwordMailbox(user), {
        secrets: secretsFrom(env),
        clock,
        logger: silentLogger,
        cache,
      });
    const first = await src().acquire();
    for (let i = 0; i < 4; i++) expect((await src().acquire()).ok).toBe(true);
    expect(await l.tokenRequests(key)).toBe(1);
    expect(first.ok && first.grant.fromCache).toBe(false);
    // 56 minutes later the 60-minute token is inside the 5-minute renewal margin. The password changed in
    // Entra meanwhile, so only the refresh token (not a new ROPC sign-in) can renew it.
    clock.advance(56 * 60_000);
    await l.addUser(tenantId, { upn: user, password: 'changed elsewhere 2' });
    const renewed = await src().acquire();
    expect(renewed.ok && renewed.grant.fromCache).toBe(false);
    expect(await l.tokenRequests(key)).toBe(2);
    // The lab stamps expiry in real time: bring the fake clock back to it before asking again.
    clock.set(Date.now());
    const again = await src().acquire();
    expect(again.ok && again.grant.fromCache).toBe(true);
    expect(await l.tokenRequests(key)).toBe(2);
  });
});

describe('deadlines', () => {
  it('a caller sharing a slow request stops waiting at its own deadline; the request still lands', async () => {
    const user = `${l.unique('slow')}@contoso.example`;
    await l.addUser(tenantId, { upn: user, password: env.DESK_PASSWORD! });
    await l.scriptEntra(identityKey(tenantId, publicApp, user), [{ latencyMs: 1500 }]);
    const cache = new TokenCache();
    const src = () =>
      createTokenSource(passwordMailbox(user), {
        secrets: secretsFrom(env),
        clock: systemClock,
        logger: silentLogger,
        cache,
      });
    const first = src().acquire();
    const t0 = Date.now();
    const impatient = await src().acquire(AbortSignal.timeout(200));
    expect(Date.now() - t0).toBeLessThan(1200);
    expect(impatient.ok ? 'ok' : impatient.failure).toMatchObject({ code: 'TIMEOUT', transient: true });
    expect((await first).ok).toBe(true);
  });
});

describe('transient failures', () => {
  it('429 then success is a pass with the retry recorded (Retry-After honoured)', async () => {
    const user = `${l.unique('throttled')}@contoso.example`;
    await l.addUser(tenantId, { upn: user, password: env.DESK_PASSWORD! });
    const key = identityKey(tenantId, publicApp, user);
    await l.scriptEntra(key, [{ status: 429, retryAfterSeconds: 1 }]);
    const waits: number[] = [];
    const cache = new TokenCache({
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const m = passwordMailbox(user);
    const src = createTokenSource(m, {
      secrets: secretsFrom(env),
      clock: systemClock,
      logger: silentLogger,
      cache,
    });
    const r = CheckResultSchema.parse(await authCheck(checkContext(m, src, systemClock)));
    expect(r.status).toBe('OK');
    expect(r.details).toMatchObject({ retries: 1 });
    expect(r.metrics.authRetries).toBe(1);
    expect(r.summary).toContain('after 1 transient retries');
    expect(waits).toEqual([1000]);
    expect(await l.tokenRequests(key)).toBe(2);
  });

  it('a persisting 503 is reported as transient, never as a configuration error', async () => {
    const user = `${l.unique('outage')}@contoso.example`;
    await l.addUser(tenantId, { upn: user, password: env.DESK_PASSWORD! });
    const key = identityKey(tenantId, publicApp, user);
    await l.scriptEntra(key, [{ status: 503, times: 10 }]);
    const cache = new TokenCache({ sleep: async () => undefined });
    const m = passwordMailbox(user);
    const src = createTokenSource(m, {
      secrets: secretsFrom(env),
      clock: systemClock,
      logger: silentLogger,
      cache,
    });
    const r = CheckResultSchema.parse(await authCheck(checkContext(m, src, systemClock)));
    expect(r.status).toBe('CRIT');
    expect(r.details).toMatchObject({ code: 'ETRANSIENT', transient: true, retries: 3 });
    expect(r.summary).toContain('HTTP 503');
    expect(r.remediation?.setupStep).toBeUndefined();
    expect(await l.tokenRequests(key)).toBe(4);
  });
});
