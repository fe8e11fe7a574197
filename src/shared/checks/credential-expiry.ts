/**
 * Check `credential-expiry`: warns before the app's credential expires, so the service desk does not learn of it
 * from AADSTS7000222 ("client secret expired") or AADSTS700024 on a Monday morning.
 *
 * Status: certificate notAfter (from the PEM) or `auth.clientSecretExpiresOn` → WARN ≤ 30 days, CRIT ≤ 7 days or
 * expired (or a certificate not yet valid), OK otherwise.
 * Password mode: OK "not applicable" — a password's expiry is an Entra/AD policy the monitor cannot read
 * (AADSTS50055 from `auth` reports it); not UNKNOWN, which would rank a healthy mailbox above a warning.
 * Client secret without `clientSecretExpiresOn`: OK with a hint to set it (a permanent WARN would be noise).
 * Certificate that cannot be read: UNKNOWN with the reason (the `auth` check reports the same as CRIT).
 *
 * details: { credential: 'password'|'clientSecret'|'certificate', applicable, expiresOn?, notBefore?, subject?,
 * thumbprintSha256? }; metrics: durationMs, credentialExpiresInDays (when known).
 */
import { readCertificatePem } from '../auth/certificate.js';
import { daysLeft, expiryStatus, parseExpiryDate } from '../auth/expiry.js';
import type { Remediation } from '../contracts.js';
import { startCheck } from './result.js';
import type { Check } from './types.js';

function when(days: number): string {
  if (days < 0) return `expired ${-days} day${days === -1 ? '' : 's'} ago`;
  if (days === 0) return 'expires today';
  return `expires in ${days} day${days === 1 ? '' : 's'}`;
}

export const credentialExpiryCheck: Check = async (ctx) => {
  const finish = startCheck(ctx, 'credential-expiry', { durationMetric: true });
  const now = ctx.clock.now();
  const auth = ctx.mailbox.auth;

  if (auth.mode === 'password') {
    return finish({
      status: 'OK',
      summary: 'not applicable: password credentials (ROPC) have no expiry date to read',
      details: {
        credential: 'password',
        applicable: false,
      },
    });
  }

  if (auth.mode === 'clientSecret') {
    const expiresOn = auth.clientSecretExpiresOn ? parseExpiryDate(auth.clientSecretExpiresOn) : undefined;
    if (!expiresOn) {
      return finish({
        status: 'OK',
        summary:
          'client secret expiry unknown: set auth.clientSecretExpiresOn to be warned before it expires',
        details: { credential: 'clientSecret', applicable: true },
      });
    }
    const days = daysLeft(expiresOn, now);
    const status = expiryStatus(expiresOn, now);
    return finish({
      status,
      summary: `client secret ${when(days)} (${expiresOn.toISOString().slice(0, 10)})`,
      details: { credential: 'clientSecret', applicable: true, expiresOn: expiresOn.toISOString() },
      metrics: { credentialExpiresInDays: days },
      ...(status === 'OK'
        ? {}
        : {
            remediation: {
              cause: `the app's client secret ${when(days)}`,
              fix:
                'In Entra ID → App registrations → your app → Certificates & secrets, add a new client secret, store ' +
                'its Value in the secret store, update auth.clientSecretExpiresOn, then delete the old secret',
              setupStep: 'app-registration',
            },
          }),
    });
  }

  let info;
  try {
    info = readCertificatePem(ctx.secrets(auth.certificate, `mailbox "${ctx.mailbox.id}" auth.certificate`));
  } catch (err) {
    const reason = (err as Error).message;
    // A secret reference the environment cannot resolve is the monitor's own problem; an unreadable PEM is setup.
    const code = (err as { code?: unknown }).code === 'ESECRET' ? 'ESECRET' : 'ECERT';
    return finish({
      status: 'UNKNOWN',
      summary: `certificate unreadable: ${reason}`.replace(/[\r\n]+/g, ' '),
      details: {
        credential: 'certificate',
        applicable: true,
        code,
        fault: code === 'ESECRET' ? 'monitor' : 'setup',
      },
      remediation: {
        cause: `the certificate credential could not be read: ${reason}`,
        fix: 'Point auth.certificate at the PEM certificate uploaded to the app registration',
        setupStep: 'app-registration',
      },
    });
  }
  const details = {
    credential: 'certificate',
    applicable: true,
    expiresOn: info.notAfter.toISOString(),
    notBefore: info.notBefore.toISOString(),
    subject: info.subject,
    thumbprintSha256: info.thumbprintSha256,
  };
  const renew: Remediation = {
    cause: '',
    fix:
      'Create a new certificate, upload its public part in Entra ID → App registrations → your app → Certificates & ' +
      'secrets, point auth.certificate / auth.privateKey at the new files, then remove the old certificate',
    setupStep: 'app-registration',
  };
  if (info.notBefore.getTime() > now.getTime()) {
    return finish({
      status: 'CRIT',
      summary: `certificate not valid before ${info.notBefore.toISOString()}`,
      details,
      remediation: {
        ...renew,
        cause: 'the certificate is not valid yet (Entra refuses its assertions: AADSTS700024)',
        fix: 'Check the monitor host’s clock, or use a certificate that is already valid',
      },
    });
  }
  const days = daysLeft(info.notAfter, now);
  const status = expiryStatus(info.notAfter, now);
  return finish({
    status,
    summary: `certificate ${when(days)} (${info.notAfter.toISOString().slice(0, 10)})`,
    details,
    metrics: { credentialExpiresInDays: days },
    ...(status === 'OK' ? {} : { remediation: { ...renew, cause: `the app's certificate ${when(days)}` } }),
  });
};
