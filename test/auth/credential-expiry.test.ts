import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  daysLeft,
  expiryStatus,
  parseExpiryDate,
  readCertificatePem,
  normalizePrivateKey,
} from '../../src/shared/auth/index.js';
import { credentialExpiryCheck } from '../../src/shared/checks/credential-expiry.js';
import type { CheckContext } from '../../src/shared/checks/types.js';
import { ManualClock } from '../../src/shared/clock.js';
import { parseConfig, type MailboxConfig, type SecretRef } from '../../src/shared/config/index.js';
import { CheckResultSchema } from '../../src/shared/contracts.js';
import { silentLogger } from '../../src/shared/logger.js';

const DAY = 86_400_000;
let dir: string;
let certPem: string;
let keyPem: string;

beforeAll(() => {
  // A real certificate valid for 40 days from now (openssl is a CI prerequisite, see .ci/run).
  dir = mkdtempSync(join(tmpdir(), 'mh-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-subj',
      '/CN=mailbox-health-test',
      '-days',
      '40',
    ],
    { stdio: 'ignore' },
  );
  certPem = readFileSync(join(dir, 'c.pem'), 'utf8');
  keyPem = readFileSync(join(dir, 'k.pem'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mailbox(auth: Record<string, unknown>): MailboxConfig {
  return parseConfig(
    {
      mailboxes: [
        {
          id: 'desk',
          address: 'desk@contoso.com',
          tenantId: '11111111-2222-3333-4444-555555555555',
          clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
          auth,
        },
      ],
    },
    'test',
  ).config.mailboxes[0]!;
}

function ctx(m: MailboxConfig, clock: ManualClock): CheckContext {
  return {
    mailbox: m,
    clock,
    logger: silentLogger,
    secrets: (ref: SecretRef) => ('value' in ref ? ref.value : ''),
  } as unknown as CheckContext;
}

describe('expiry thresholds', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  it('is OK above 30 days, WARN at 30, CRIT at 7 and after expiry', () => {
    const at = (days: number) => expiryStatus(new Date(now.getTime() + days * DAY), now);
    expect([at(31), at(30.01), at(30), at(8), at(7.01), at(7), at(1), at(0), at(-3)]).toEqual([
      'OK',
      'OK',
      'WARN',
      'WARN',
      'WARN',
      'CRIT',
      'CRIT',
      'CRIT',
      'CRIT',
    ]);
    expect(daysLeft(new Date(now.getTime() + 7.9 * DAY), now)).toBe(7);
    expect(daysLeft(new Date(now.getTime() - 0.5 * DAY), now)).toBe(-1);
  });
  it('reads a bare date as the start of that day (UTC)', () => {
    expect(parseExpiryDate('2027-03-01')?.toISOString()).toBe('2027-03-01T00:00:00.000Z');
    expect(parseExpiryDate('nonsense')).toBeUndefined();
  });
});

describe('credential-expiry check', () => {
  it('client secret: OK, WARN, CRIT as the fake clock moves', async () => {
    const m = mailbox({
      mode: 'clientSecret',
      clientSecret: { value: 's' },
      clientSecretExpiresOn: '2027-01-31',
    });
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const r1 = await credentialExpiryCheck(ctx(m, clock));
    expect(CheckResultSchema.parse(r1)).toMatchObject({
      status: 'OK',
      metrics: { credentialExpiresInDays: 61 },
    });
    clock.set('2027-01-10T00:00:00Z');
    const r2 = await credentialExpiryCheck(ctx(m, clock));
    expect(r2.status).toBe('WARN');
    expect(r2.summary).toContain('expires in 21 days');
    expect(r2.remediation?.setupStep).toBe('app-registration');
    expect(r2.remediation?.fix).toContain('Certificates & secrets');
    clock.set('2027-01-25T00:00:00Z');
    expect((await credentialExpiryCheck(ctx(m, clock))).status).toBe('CRIT');
    clock.set('2027-02-02T00:00:00Z');
    const r4 = await credentialExpiryCheck(ctx(m, clock));
    expect(r4.status).toBe('CRIT');
    expect(r4.summary).toContain('expired 2 days ago');
  });

  it('client secret without a date: OK with a hint', async () => {
    const m = mailbox({ mode: 'clientSecret', clientSecret: { value: 's' } });
    const r = await credentialExpiryCheck(ctx(m, new ManualClock('2026-12-01T00:00:00Z')));
    expect(r.status).toBe('OK');
    expect(r.summary).toContain('clientSecretExpiresOn');
  });

  it('password mode: OK, not applicable', async () => {
    const m = mailbox({ mode: 'password', password: { value: 'p' } });
    const r = await credentialExpiryCheck(ctx(m, new ManualClock('2026-12-01T00:00:00Z')));
    expect(r).toMatchObject({ status: 'OK', details: { applicable: false } });
  });

  it('certificate: notAfter read from the PEM drives the status', async () => {
    const info = readCertificatePem(certPem);
    expect(info.thumbprintSha256).toMatch(/^[0-9A-F]{64}$/);
    expect(Math.round((info.notAfter.getTime() - info.notBefore.getTime()) / DAY)).toBe(40);
    const m = mailbox({
      mode: 'certificate',
      certificate: { value: certPem },
      privateKey: { value: keyPem },
    });
    const clock = new ManualClock(info.notBefore.getTime() + DAY);
    const ok = await credentialExpiryCheck(ctx(m, clock));
    expect(CheckResultSchema.parse(ok)).toMatchObject({
      status: 'OK',
      details: { thumbprintSha256: info.thumbprintSha256 },
    });
    clock.set(info.notAfter.getTime() - 20 * DAY);
    expect((await credentialExpiryCheck(ctx(m, clock))).status).toBe('WARN');
    clock.set(info.notAfter.getTime() - 3 * DAY);
    const crit = await credentialExpiryCheck(ctx(m, clock));
    expect(crit.status).toBe('CRIT');
    expect(crit.remediation?.cause).toContain('certificate expires in 3 days');
    clock.set(info.notBefore.getTime() - DAY);
    const early = await credentialExpiryCheck(ctx(m, clock));
    expect(early.status).toBe('CRIT');
    expect(early.remediation?.cause).toContain('AADSTS700024');
  });

  it('certificate that is not a PEM: UNKNOWN with the reason, no content echoed', async () => {
    const m = mailbox({
      mode: 'certificate',
      certificate: { value: 'garbage-secret' },
      privateKey: { value: keyPem },
    });
    const r = await credentialExpiryCheck(ctx(m, new ManualClock('2026-12-01T00:00:00Z')));
    expect(r.status).toBe('UNKNOWN');
    expect(JSON.stringify(r)).not.toContain('garbage-secret');
  });

  it('private key: converted to PKCS#8 and matched against the certificate', () => {
    expect(normalizePrivateKey(keyPem, certPem)).toContain('-----BEGIN PRIVATE KEY-----');
    const other = execFileSync('openssl', ['genrsa', '2048'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    expect(() => normalizePrivateKey(other, certPem)).toThrow(/does not belong/);
  });
});
