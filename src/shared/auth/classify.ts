/**
 * Turns whatever a token acquisition threw (MSAL ServerError / InteractionRequiredAuthError / ClientAuthError,
 * our own secret and certificate errors, the network client's NetworkFailure) into an AuthFailure: a stable
 * code, transient or not, Microsoft's description and the admin's fix. Messages never contain a secret: MSAL's
 * error texts carry no credentials, and our own errors name only where a secret lives.
 */
import type { AuthFailure } from './ports.js';
import type { Remediation } from '../contracts.js';
import { aadstsCodeIn, describeAadsts, microsoftDescription } from './catalogue.js';
import type { AttemptLog } from './network-client.js';

interface MsalLikeError {
  name?: string;
  errorCode?: string;
  errorMessage?: string;
  subError?: string;
  errorNo?: string | number;
  code?: string;
  message?: string;
}

function transientFailure(
  code: string,
  message: string,
  authorityHost: string,
  retries: number,
): AuthFailure {
  const remediation: Remediation = {
    cause: `Entra ID (${authorityHost}) could not be used right now: ${message}`,
    fix:
      'Nothing to change in the app registration: this is retried on the next run. If it persists, check ' +
      `outbound HTTPS from the monitor to ${authorityHost} (DNS, firewall, proxy) and the Microsoft 365 service health`,
  };
  return { code, transient: true, message, remediation, retries };
}

function describeTransient(log: AttemptLog): { code: string; message: string } {
  const t = log.lastTransient ?? {};
  const tries = log.retries > 0 ? ` after ${log.retries} ${log.retries === 1 ? 'retry' : 'retries'}` : '';
  if (t.network !== undefined) {
    return t.network === 'timeout'
      ? { code: 'ETIMEOUT', message: `no answer from Entra ID before the deadline${tries}` }
      : { code: 'ENETWORK', message: `network error talking to Entra ID (${t.network})${tries}` };
  }
  const what =
    t.status === 429 ? 'throttled (HTTP 429)' : t.status ? `HTTP ${t.status}` : (t.error ?? 'unavailable');
  const after = t.retryAfterMs !== undefined ? `, Retry-After ${Math.ceil(t.retryAfterMs / 1000)} s` : '';
  return { code: 'ETRANSIENT', message: `Entra ID answered ${what}${after}${tries}` };
}

/**
 * Classifies an acquisition error. `log` is what the network client saw during that acquisition.
 * An AADSTS code always wins: it is Entra's verdict. Otherwise a recorded transient answer or network failure
 * makes the failure transient.
 */
export function classifyAuthError(err: unknown, log: AttemptLog, authorityHost: string): AuthFailure {
  const e = (err ?? {}) as MsalLikeError;
  const retries = log.retries;

  if (e.code === 'ESECRET' || e.code === 'ECERT') {
    const message = e.message ?? 'the credential could not be read';
    return {
      code: e.code,
      transient: false,
      message,
      remediation: {
        cause:
          e.code === 'ESECRET'
            ? `the credential could not be read: ${message}`
            : `the certificate credential is unusable: ${message}`,
        fix:
          e.code === 'ESECRET'
            ? 'Set the environment variable / file the configuration names (in Azure: the app setting or its Key Vault reference)'
            : 'Configure the PEM certificate uploaded to the app registration and its unencrypted private key',
      },
      retries,
    };
  }

  const text = [e.errorMessage, e.message].filter(Boolean).join(' ');
  const errorNo = e.errorNo !== undefined && /^\d+$/.test(String(e.errorNo)) ? Number(e.errorNo) : undefined;
  // Entra's own verdict on this request wins; a transient answer (429/5xx carry AADSTS codes too) comes next;
  // the AADSTS of a failed metadata request (which MSAL drops) last.
  const transientLast = log.lastTransient !== undefined || log.aborted === true;
  const aadsts = errorNo ?? aadstsCodeIn(text) ?? (transientLast ? undefined : log.lastError?.aadsts);
  if (aadsts !== undefined) {
    const description = microsoftDescription(text) ?? log.lastError?.description;
    return {
      code: `AADSTS${aadsts}`,
      transient: false,
      message: description ?? `AADSTS${aadsts}`,
      remediation: describeAadsts(aadsts, description),
      retries,
    };
  }

  if (log.aborted) {
    const message = `no token before the mailbox deadline${retries > 0 ? ` (${retries} retries)` : ''}`;
    return transientFailure('ETIMEOUT', message, authorityHost, retries);
  }
  if (e.errorCode === 'temporarily_unavailable' || log.lastTransient || e.code === 'ENETWORK') {
    const t = describeTransient(log);
    return transientFailure(t.code, t.message, authorityHost, retries);
  }

  if (e.errorCode === 'endpoints_resolution_error' || e.errorCode === 'openid_config_error') {
    const status = log.lastError?.status;
    const message = `the authority's OpenID metadata could not be read${status ? ` (HTTP ${status})` : ''}`;
    return {
      code: 'EAUTHORITY',
      transient: false,
      message,
      remediation: {
        cause: `${message}: the authority host or tenant is wrong`,
        fix: `Check cloud.authorityHost (${authorityHost}) and the tenant id in the configuration and in mail.oauth.authorize.endpoint`,
        setupStep: 'esm-platform-settings',
      },
      retries,
    };
  }

  // An OAuth error without an AADSTS number (rare) or an MSAL client error: keep its code and first line.
  const code = e.errorCode || e.code || e.name || 'EAUTH';
  const message = (e.errorMessage || e.message || code).split(/\r?\n/)[0]!.slice(0, 300);
  return {
    code,
    transient: false,
    message,
    remediation: {
      cause: `the token request failed: ${message}`,
      fix: 'Check the app registration, tenant and credential in the configuration; Entra ID → Sign-in logs shows the reason',
      setupStep: 'app-registration',
    },
    retries,
  };
}
