import { describe, expect, it } from 'vitest';
import { loadDoctorConfig, renderDoctorText, type DoctorResult } from '../../src/cli/doctor.js';
import { ConfigError } from '../../src/shared/config/index.js';

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

describe('loadDoctorConfig', () => {
  it('loads a config whose ESM tenant contradicts tenantId, handing the ESM block to the ESM step', () => {
    const esm = {
      'mail.oauth.authorize.endpoint':
        'https://login.microsoftonline.com/99999999-2222-3333-4444-555555555555/oauth2/v2.0/authorize',
    };
    const loaded = loadDoctorConfig(doc(esm), 't');
    expect(loaded.config.mailboxes[0]!.esm).toBeUndefined();
    expect(loaded.esmOverrides.get('desk')).toEqual(esm);
  });

  it('still rejects configs with other problems (exit 3 material)', () => {
    expect(() => loadDoctorConfig(doc({}, { id: 'Bad Id' }), 't')).toThrow(ConfigError);
    // The ESM block was the only source of the tenant: without it the config is incomplete.
    expect(() =>
      loadDoctorConfig(doc({ 'mail.oauth.authorize.endpoint': 'not a url' }, { tenantId: undefined }), 't'),
    ).toThrow(ConfigError);
  });
});

describe('renderDoctorText', () => {
  it('numbers the steps, shows the fix and the guide’s step, and ends with the verdict', () => {
    const r: DoctorResult = {
      exitCode: 2,
      steps: [
        { mailbox: 'desk', step: 'config', title: 'Configuration valid', status: 'PASS', detail: 'ok' },
        {
          mailbox: 'desk',
          step: 'token',
          title: 'Token acquired',
          status: 'FAIL',
          detail: 'AADSTS7000218: …',
          fix: 'Allow public client flows',
          setupStep: 'public-client-flows',
        },
        {
          mailbox: 'desk',
          step: 'permissions',
          title: 'Token carries',
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
