/**
 * Tokens are shared per credential, not per app: two mailboxes of one app, one configured with a wrong secret,
 * each get their own verdict from the lab's Entra in both orders — the broken one never borrows the healthy one's
 * token, and the healthy one never reports the other's failure. Mailboxes with the same secret still share one
 * token request, and the cache keys carry no secret.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenSource, TokenCache } from '../../src/shared/auth/index.js';
import { authCheck } from '../../src/shared/checks/auth.js';
import { systemClock } from '../../src/shared/clock.js';
import { CheckResultSchema, type CheckResult } from '../../src/shared/contracts.js';
import { silentLogger } from '../../src/shared/logger.js';
import { lab } from '../helpers/lab.js';
import { checkContext, labMailbox, secretsFrom } from './helpers.js';

const l = lab();
const tenantId = randomUUID();
const app = randomUUID();
const env = { GOOD: 'good-' + randomUUID(), WRONG: 'wrong-' + randomUUID() };

beforeAll(async () => {
  await l.addTenant(tenantId, [`${l.unique('shared')}.example`]);
  await l.addApp(tenantId, {
    clientId: app,
    secrets: [{ value: env.GOOD }],
    appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
  });
});

const mailbox = (name: string, secretEnv: keyof typeof env) =>
  labMailbox({
    id: name,
    address: `${name}-${l.unique('mb')}@contoso.example`,
    tenantId,
    clientId: app,
    authorityHost: l.authorityHost,
    auth: { mode: 'clientSecret', clientSecret: { env: secretEnv } },
  });

async function auth(m: ReturnType<typeof mailbox>, cache: TokenCache): Promise<CheckResult> {
  const src = createTokenSource(m, {
    secrets: secretsFrom(env),
    clock: systemClock,
    logger: silentLogger,
    cache,
  });
  return CheckResultSchema.parse(await authCheck(checkContext(m, src, systemClock, env)));
}

describe('token cache keyed by credential', () => {
  it('healthy first, broken second: the broken mailbox reports its own wrong secret', async () => {
    const cache = new TokenCache();
    const healthy = await auth(mailbox('healthy', 'GOOD'), cache);
    const broken = await auth(mailbox('broken', 'WRONG'), cache);
    expect(healthy.status).toBe('OK');
    expect(broken).toMatchObject({ status: 'CRIT', details: { code: 'AADSTS7000215', fault: 'setup' } });
    expect(broken.remediation?.setupStep).toBe('app-registration');
  });

  it('broken first, healthy second: the healthy mailbox is OK', async () => {
    const cache = new TokenCache();
    const broken = await auth(mailbox('broken', 'WRONG'), cache);
    const healthy = await auth(mailbox('healthy', 'GOOD'), cache);
    expect(broken).toMatchObject({ status: 'CRIT', details: { code: 'AADSTS7000215' } });
    expect(healthy.status).toBe('OK');
    expect(healthy.details).toMatchObject({ fromCache: false });
  });

  it('two mailboxes with the same secret still share one token; the keys hold no secret', async () => {
    const cache = new TokenCache();
    expect((await auth(mailbox('one', 'GOOD'), cache)).details).toMatchObject({ fromCache: false });
    expect((await auth(mailbox('two', 'GOOD'), cache)).details).toMatchObject({ fromCache: true });
    await auth(mailbox('three', 'WRONG'), cache);
    const keys = [...cache.stats().keys()];
    expect(keys).toHaveLength(2);
    for (const k of keys) for (const secret of Object.values(env)) expect(k).not.toContain(secret);
  });
});
