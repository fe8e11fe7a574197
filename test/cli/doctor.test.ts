import { describe, expect, it } from 'vitest';
import { esmStep, renderDoctorText, type DoctorResult } from '../../src/cli/doctor.js';
import { ConfigError, parseConfig } from '../../src/shared/config/index.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const doc = (esm: Record<string, string>, over: Record<string, unknown> = {}) => ({
  mailboxes: [
    {
      id: 'desk',
      address: 'desk@contoso.com',
      tenantId: TENANT,
      clientId: CLIENT,
      auth: { mode: 'password', password: { env: 'PW' } },
      esm,
      ...over,
    },
  ],
});

describe("parseConfig with esm: 'judge' (doctor's loading)", () => {
  it('loads a config whose ESM tenant contradicts tenantId, keeping the ESM block as written for the ESM step', () => {
    const esm = {
      'mail.oauth.authorize.endpoint':
        'https://login.microsoftonline.com/99999999-2222-3333-4444-555555555555/oauth2/v2.0/authorize',
      'mail.oauth.clientid': 'typo',
    };
    expect(() => parseConfig(doc(esm), 't')).toThrow(ConfigError);
    const loaded = parseConfig(doc(esm), 't', { esm: 'judge' });
    const m = loaded.config.mailboxes[0]!;
    expect(m.tenantId).toBe(TENANT);
    expect(m.esm).toEqual(esm);
    expect(esmStep(m)).toMatchObject({ status: 'FAIL', setupStep: 'esm-platform-settings' });
    expect(esmStep(m).detail).toContain('99999999-2222-3333-4444-555555555555');
    expect(esmStep(m).detail).toContain('mail.oauth.clientid: not an ESM OAuth setting');
  });

  it('still rejects configs with other problems (exit 3 material)', () => {
    expect(() => parseConfig(doc({}, { id: 'Bad Id' }), 't', { esm: 'judge' })).toThrow(ConfigError);
    // The ESM block was the only source of the tenant: without a usable one the config is incomplete.
    expect(() =>
      parseConfig(doc({ 'mail.oauth.authorize.endpoint': 'not a url' }, { tenantId: undefined }), 't', {
        esm: 'judge',
      }),
    ).toThrow(ConfigError);
  });
});

describe('renderDoctorText', () => {
  it('numbers the steps, shows the fix and the guide’s step, and ends with the verdict', () => {
    const r: DoctorResult = {
      exitCode: 2,
      status: 'CRIT',
      steps: [
        { mailbox: 'desk', step: 'config', title: 'Configuration valid', status: 'PASS', detail: 'ok' },
        {
          mailbox: 'desk',
          step: 'auth',
          title: 'Token acquired',
          status: 'FAIL',
          detail: 'AADSTS7000218: …',
          fix: 'Allow public client flows',
          setupStep: 'public-client-flows',
        },
        {
          mailbox: 'desk',
          step: 'imap-login',
          title: 'IMAP XOAUTH2 login',
          status: 'SKIP',
          detail: 'skipped: no token',
        },
      ],
    };
    const lines = renderDoctorText(r);
    expect(lines[0]).toBe('mailbox-health doctor: desk');
    expect(lines[1]).toBe('  PASS  1. Configuration valid — ok');
    expect(lines[2]).toBe('  FAIL  2. Token acquired — AADSTS7000218: …');
    expect(lines[3]).toContain('fix: Allow public client flows');
    expect(lines[4]).toContain('setup step: Authentication Settings (Allow public client flows = Yes)');
    expect(lines.at(-1)).toBe('FAIL: 1 passed, 1 failed, 1 skipped');
  });
});
