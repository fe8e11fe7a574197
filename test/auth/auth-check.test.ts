import { describe, expect, it } from 'vitest';
import { authCheck } from '../../src/shared/checks/auth.js';
import type { TokenOutcome } from '../../src/shared/auth/ports.js';
import { ManualClock } from '../../src/shared/clock.js';
import { CheckResultSchema } from '../../src/shared/contracts.js';
import { checkContext, labMailbox } from './helpers.js';

const clock = new ManualClock('2026-11-27T10:00:00Z');
const mailbox = labMailbox({
  address: 'desk@contoso.com',
  tenantId: '11111111-2222-3333-4444-555555555555',
  clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  authorityHost: 'login.microsoftonline.com',
  auth: { mode: 'password', password: { env: 'PW' } },
});
const TOKEN = 'header.payload.signature-never-shown';

async function run(outcome: TokenOutcome) {
  const tokens = {
    acquire: async () => {
      clock.advance(120); // the acquisition takes 120 ms of fake time
      return outcome;
    },
  };
  return CheckResultSchema.parse(await authCheck(checkContext(mailbox, tokens, clock)));
}

const grant = (scp: string, extra: Partial<{ fromCache: boolean; retries: number }> = {}): TokenOutcome => ({
  ok: true,
  grant: {
    accessToken: TOKEN,
    expiresOn: new Date('2026-11-27T11:00:00Z'),
    fromCache: false,
    retries: 0,
    kind: 'delegated',
    claims: { aud: 'https://outlook.office365.com', scp, upn: 'desk@contoso.com' },
    ...extra,
  },
});

describe('auth check', () => {
  it('OK with duration and token lifetime metrics', async () => {
    const r = await run(grant('IMAP.AccessAsUser.All SMTP.Send', { fromCache: true }));
    expect(r).toMatchObject({ status: 'OK', metrics: { durationMs: 120, authRetries: 0 } });
    expect(r.metrics.tokenExpiresInSeconds).toBe(3600);
    expect(r.summary).toBe('delegated token reused, expires in 60 min');
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it('CRIT with the api-permissions step when the token lacks SMTP.Send', async () => {
    const r = await run(grant('IMAP.AccessAsUser.All'));
    expect(r.status).toBe('CRIT');
    expect(r.remediation?.setupStep).toBe('api-permissions');
    expect(r.details).toMatchObject({ missing: ['SMTP.Send'] });
  });

  it('CRIT, marked transient and without a setup step, when Entra stays unavailable', async () => {
    const r = await run({
      ok: false,
      failure: {
        code: 'ETRANSIENT',
        fault: 'service',
        transient: true,
        message: 'Entra ID answered throttled (HTTP 429) after 3 retries',
        remediation: { cause: 'Entra ID could not be used right now', fix: 'retried on the next run' },
        retries: 3,
      },
    });
    expect(r).toMatchObject({ status: 'CRIT', details: { transient: true }, metrics: { authRetries: 3 } });
    expect(r.summary).toBe(
      'Entra ID unavailable: ETRANSIENT — Entra ID answered throttled (HTTP 429) after 3 retries',
    );
    expect(r.remediation?.setupStep).toBeUndefined();
  });

  it('CRIT with the catalogue remediation for a configuration error', async () => {
    const r = await run({
      ok: false,
      failure: {
        code: 'AADSTS65001',
        fault: 'setup',
        transient: false,
        message: 'AADSTS65001: consent',
        remediation: { cause: 'no consent', fix: 'grant', setupStep: 'admin-consent' },
        retries: 0,
      },
    });
    expect(r.summary).toBe('no token: AADSTS65001 — no consent');
    expect(r.remediation?.setupStep).toBe('admin-consent');
  });
});
