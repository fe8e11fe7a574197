/**
 * The one table of Entra ID (AADSTS) failures: code → cause, the admin's fix and the setup step that fixes it.
 * Source: docs/exchange-online.md "Failure catalogue" (Microsoft Entra authentication and authorization error codes,
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes) and the vendor's setup guide. Codes not in
 * the table keep Microsoft's own description (see `describeAadsts`).
 */
import type { Remediation, SetupStep } from '../contracts.js';

export interface AadstsEntry {
  readonly cause: string;
  readonly fix: string;
  readonly setupStep: SetupStep;
}

// ROPC cannot answer an MFA prompt; the same advice fits every "interaction needed" code.
const MFA_FIX =
  'ROPC (username + password) cannot do MFA: exclude the service account from the MFA / Conditional Access ' +
  'policy for this app, or move the mailbox to app-only (client credentials with IMAP.AccessAsApp + SMTP.SendAsApp)';

export const AADSTS_CATALOGUE: Readonly<Record<number, AadstsEntry>> = {
  7000218: {
    cause:
      'the app registration is a confidential client, so Entra demands a client secret for the password flow',
    fix:
      'In Entra ID → App registrations → your app → Authentication → Advanced settings, set ' +
      '"Allow public client flows" to Yes and save (vendor guide: Authentication Settings)',
    setupStep: 'public-client-flows',
  },
  65001: {
    cause: 'the app has no consent for the permissions it asks for (IMAP.AccessAsUser.All / SMTP.Send)',
    fix:
      'In App registrations → your app → API permissions, press "Grant admin consent for <tenant>" ' +
      '(vendor guide: Admin Consent Button)',
    setupStep: 'admin-consent',
  },
  50126: {
    cause: 'wrong username or password for the mailbox account',
    fix: 'Put the mailbox account’s current password in the secret store the configuration points at',
    setupStep: 'account',
  },
  50076: {
    cause: 'multi-factor authentication is required for this sign-in',
    fix: MFA_FIX,
    setupStep: 'account',
  },
  50079: {
    cause: 'the account must register for multi-factor authentication',
    fix: MFA_FIX,
    setupStep: 'account',
  },
  50158: {
    cause: 'an external security challenge (third-party MFA) was not satisfied',
    fix: MFA_FIX,
    setupStep: 'account',
  },
  // Typical cause: a location policy that admits the account only from the service desk's addresses, while the
  // monitor signs in from Azure — and Flex Consumption has no fixed outbound IP without a NAT gateway
  // (docs/deploy.md, "A static outbound IP for Conditional Access").
  53003: {
    cause:
      'the sign-in was blocked by a Conditional Access policy — typically a location policy that allows the ' +
      'account only from the service desk’s own IP addresses, while the monitor signs in from somewhere else',
    fix:
      'Either allow the monitor’s IP: deploy with staticOutboundIp=true (NAT gateway) and add the ' +
      'STATIC_OUTBOUND_IP output to the Conditional Access named location the policy trusts; or use app-only ' +
      'credentials (client secret or certificate with IMAP.AccessAsApp / SMTP.SendAsApp), which user sign-in ' +
      'policies do not cover. Entra ID → Sign-in logs → Conditional Access shows which policy applied',
    setupStep: 'account',
  },
  700016: {
    cause: 'no application with this client id exists in the tenant',
    fix:
      'Copy the Application (client) ID from the app registration’s Overview page into the configuration ' +
      '(and ESM’s mail.oauth.client.id); check the tenant id belongs to the same directory',
    setupStep: 'app-registration',
  },
  90002: {
    cause: 'the tenant in the authority URL does not exist',
    fix:
      'Use the Directory (tenant) ID from the app registration’s Overview page (or the tenant’s verified domain) ' +
      'in tenantId and in mail.oauth.authorize.endpoint',
    setupStep: 'esm-platform-settings',
  },
  900023: {
    cause: 'the tenant identifier in the authority URL is neither a GUID nor a valid domain',
    fix: 'Write the authorize endpoint as https://login.microsoftonline.com/{tenantID}/oauth2/v2.0/authorize with the real tenant id',
    setupStep: 'esm-platform-settings',
  },
  50034: {
    cause: 'the user does not exist in this tenant',
    fix: 'Sign in as the mailbox’s user principal name (UPN) in this tenant: check the mailbox address / auth.username',
    setupStep: 'account',
  },
  50053: {
    cause: 'the account is locked (too many failed sign-ins) or sign-in from a malicious IP was blocked',
    fix: 'Check Entra ID → Sign-in logs, unlock the account and fix whatever keeps sending a wrong password',
    setupStep: 'account',
  },
  50055: {
    cause: 'the account’s password has expired',
    fix: 'Reset the password, store the new one, and set the service account’s password to never expire',
    setupStep: 'account',
  },
  50057: {
    cause: 'the user account is disabled',
    fix: 'Enable the account in Entra ID → Users (Account enabled = Yes)',
    setupStep: 'account',
  },
  7000215: {
    cause: 'the client secret is wrong (often the secret’s ID was copied instead of its Value)',
    fix: 'In Certificates & secrets create a new client secret and copy its Value (not the Secret ID) into the secret store',
    setupStep: 'app-registration',
  },
  7000222: {
    cause: 'the client secret has expired',
    fix: 'Create a new client secret (or upload a certificate) in Certificates & secrets and update the secret store',
    setupStep: 'app-registration',
  },
  700024: {
    cause:
      'the client assertion is not within its valid time range (clock skew, or an expired/not-yet-valid certificate)',
    fix: 'Check the clock of the monitor host and the certificate’s validity dates; upload a current certificate',
    setupStep: 'app-registration',
  },
  700027: {
    cause: 'the client assertion’s signature does not match any certificate registered for the app',
    fix: 'Upload the certificate whose private key the monitor uses (Certificates & secrets), or configure the matching key',
    setupStep: 'app-registration',
  },
  50173: {
    cause: 'the grant was revoked (the password changed or the tokens were revoked)',
    fix: 'Store the account’s new password; the monitor signs in again on its next run',
    setupStep: 'account',
  },
  70011: {
    cause: 'the requested scope is invalid',
    fix:
      'Use https://outlook.office365.com/IMAP.AccessAsUser.All and …/SMTP.Send (delegated) or ' +
      'https://outlook.office365.com/.default (app-only) — also in ESM’s mail.oauth.scopes',
    setupStep: 'api-permissions',
  },
  500011: {
    cause: 'the resource (Office 365 Exchange Online) was not found in the tenant',
    fix: 'Check the tenant has Exchange Online licences and that cloud.resourceHost names the right resource',
    setupStep: 'api-permissions',
  },
  700082: {
    cause: 'the refresh token expired after 90 days of inactivity',
    fix: 'Sign in again with the account (the monitor does this by itself when the password is still valid)',
    setupStep: 'account',
  },
  70043: {
    cause: 'the refresh token expired because of a Conditional Access sign-in frequency policy',
    fix: 'Exclude the service account from the sign-in frequency policy, or move to app-only',
    setupStep: 'account',
  },
  9002313: {
    cause: 'the request was malformed (often a malformed authority URL)',
    fix: 'Check the authority: https://login.microsoftonline.com/{tenantID} with a real tenant id, no extra path',
    setupStep: 'esm-platform-settings',
  },
  50059: {
    cause: 'no tenant could be found in the request (authority without a tenant)',
    fix: 'Put the tenant id in the authority / mail.oauth.authorize.endpoint instead of "common" or nothing',
    setupStep: 'esm-platform-settings',
  },
};

/** The AADSTS number in a Microsoft error text ("AADSTS50126: Error validating credentials …"). */
export function aadstsCodeIn(text: string | undefined): number | undefined {
  const m = /AADSTS(\d{4,8})/.exec(text ?? '');
  return m?.[1] ? Number(m[1]) : undefined;
}

/**
 * Microsoft's description of an AADSTS error: the first line after "AADSTSnnnn:", with the trace, correlation
 * id and timestamp removed (they change on every request and make alerts look new each time).
 */
export function microsoftDescription(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const at = text.search(/AADSTS\d+:/);
  let s = at >= 0 ? text.slice(at) : text;
  s = s.split(/\r?\n/)[0] ?? s;
  s = s.replace(/\s*(Trace ID|Correlation ID|Timestamp):.*$/i, '');
  s = s.replace(/\s+-\s+Correlation ID:.*$/i, '');
  return s.trim().slice(0, 300) || undefined;
}

/** Cause, fix and setup step for an AADSTS code; unknown codes keep Microsoft's description as the cause. */
export function describeAadsts(code: number, description?: string): Remediation {
  const entry = AADSTS_CATALOGUE[code];
  if (entry) return { cause: entry.cause, fix: entry.fix, setupStep: entry.setupStep };
  return {
    cause: description ?? `Entra ID refused the sign-in with AADSTS${code}`,
    fix: `Look up AADSTS${code} at https://login.microsoftonline.com/error?code=${code} and in Entra ID → Sign-in logs`,
  };
}
