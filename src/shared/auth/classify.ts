/**
 * Turns whatever a token acquisition threw (MSAL ServerError / InteractionRequiredAuthError / ClientAuthError,
 * our own secret and certificate errors, the network client's NetworkFailure) into an AuthFailure: a code from
 * the project's table (faults/codes.ts), its fault class, Entra's own codes, Microsoft's description and the
 * admin's fix. Microsoft's text is outside text: a proxy — or Entra itself — may echo the request body with the
 * password in it, so every description passes the scrubber before it is kept.
 */
import type { AuthFailure } from './ports.js';
import type { Remediation } from '../contracts.js';
import { faultOf, processScrubber, WHERE_TO_LOOK, type Fault, type Scrubber } from '../faults/index.js';
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
  httpStatus?: number,
): AuthFailure {
  const fault: Fault = faultOf(code) ?? 'service';
  const where =
    fault === 'network'
      ? `check outbound HTTPS from the monitor to ${authorityHost} (DNS, firewall, proxy, TLS inspection)`
      : fault === 'timeout'
        ? `check that ${authorityHost} answers from here; ${WHERE_TO_LOOK.timeout}`
        : 'check Microsoft 365 service health (admin.microsoft.com → Health → Service health)';
  const remediation: Remediation = {
    cause: `Entra ID (${authorityHost}) could not be used right now: ${message}`,
    fix: `Nothing to change in the app registration: this is retried on the next run. If it persists, ${where}`,
  };
  return {
    code,
    fault,
    ...(httpStatus !== undefined ? { server: { httpStatus } } : {}),
    transient: true,
    message,
    remediation,
    retries,
  };
}

function describeTransient(log: AttemptLog): { code: string; message: string; httpStatus?: number } {
  const t = log.lastTransient ?? {};
  const tries = log.retries > 0 ? ` after ${log.retries} ${log.retries === 1 ? 'retry' : 'retries'}` : '';
  if (t.network !== undefined) {
    return t.network === 'timeout'
      ? { code: 'TIMEOUT', message: `no answer from Entra ID before the deadline${tries}` }
      : { code: 'ENETWORK', message: `network error talking to Entra ID (${t.network})${tries}` };
  }
  const what =
    t.status === 429 ? 'throttled (HTTP 429)' : t.status ? `HTTP ${t.status}` : (t.error ?? 'unavailable');
  const after = t.retryAfterMs !== undefined ? `, Retry-After ${Math.ceil(t.retryAfterMs / 1000)} s` : '';
  return {
    code: 'ETRANSIENT',
    message: `Entra ID answered ${what}${after}${tries}`,
    ...(t.status !== undefined ? { httpStatus: t.status } : {}),
  };
}

/** A body that is not Entra's JSON (an HTML page from a proxy or captive portal): the path, not the setup. */
function badResponse(log: AttemptLog, authorityHost: string): AuthFailure {
  const b = log.badBody!;
  const what = `${b.contentType ?? 'a body that is not JSON'} (HTTP ${b.status})`;
  const message = `the token endpoint answered ${what}, not Entra ID's JSON: something on the network path answered`;
  return {
    code: 'EBADRESPONSE',
    fault: 'network',
    server: { httpStatus: b.status },
    transient: true,
    message,
    remediation: {
      cause: message,
      fix:
        `Nothing to change in the app registration: check what answers for https://${authorityHost} from the ` +
        'monitor (a proxy, captive portal or TLS-inspecting device), e.g. with curl from the same network',
    },
    retries: log.retries,
  };
}

/**
 * Classifies an acquisition error. `log` is what the network client saw during that acquisition.
 * An AADSTS code always wins: it is Entra's verdict. Otherwise a recorded transient answer or network failure
 * makes the failure transient.
 */
export function classifyAuthError(
  err: unknown,
  log: AttemptLog,
  authorityHost: string,
  scrubber: Scrubber = processScrubber,
): AuthFailure {
  const e = (err ?? {}) as MsalLikeError;
  const retries = log.retries;

  if (e.code === 'ESECRET' || e.code === 'ECERT') {
    const message = e.message ?? 'the credential could not be read';
    return {
      code: e.code,
      // A secret the configuration names but the environment lacks is the monitor's own problem.
      fault: e.code === 'ESECRET' ? 'monitor' : 'setup',
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

  const text = scrubber.scrub([e.errorMessage, e.message].filter(Boolean).join(' '));
  const errorNo = e.errorNo !== undefined && /^\d+$/.test(String(e.errorNo)) ? Number(e.errorNo) : undefined;
  // Entra's own verdict on this request wins; a transient answer (429/5xx carry AADSTS codes too) comes next;
  // the AADSTS of a failed metadata request (which MSAL drops) last.
  const transientLast = log.lastTransient !== undefined || log.aborted === true;
  const aadsts = errorNo ?? aadstsCodeIn(text) ?? (transientLast ? undefined : log.lastError?.aadsts);
  if (aadsts !== undefined) {
    const kept = log.lastError?.description;
    const description = microsoftDescription(text) ?? (kept ? scrubber.scrub(kept) : undefined);
    const httpStatus = log.lastError?.status;
    return {
      code: `AADSTS${aadsts}`,
      fault: 'setup',
      server: { aadsts, ...(httpStatus !== undefined ? { httpStatus } : {}) },
      transient: false,
      message: description ?? `AADSTS${aadsts}`,
      remediation: describeAadsts(aadsts, description),
      retries,
    };
  }

  if (log.aborted) {
    const message = `no token before the mailbox deadline${retries > 0 ? ` (${retries} retries)` : ''}`;
    return transientFailure('TIMEOUT', message, authorityHost, retries);
  }
  if (e.errorCode === 'temporarily_unavailable' || log.lastTransient || e.code === 'ENETWORK') {
    const t = describeTransient(log);
    return transientFailure(t.code, t.message, authorityHost, retries, t.httpStatus);
  }
  if (log.badBody) return badResponse(log, authorityHost);

  if (e.errorCode === 'endpoints_resolution_error' || e.errorCode === 'openid_config_error') {
    const status = log.lastError?.status;
    const message = `the authority's OpenID metadata could not be read${status ? ` (HTTP ${status})` : ''}`;
    return {
      code: 'EAUTHORITY',
      fault: 'setup',
      ...(status !== undefined ? { server: { httpStatus: status } } : {}),
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
  const message = scrubber.scrub((e.errorMessage || e.message || code).split(/\r?\n/)[0]!.slice(0, 300));
  const httpStatus = log.lastError?.status;
  return {
    code,
    fault: 'setup',
    ...(httpStatus !== undefined ? { server: { httpStatus } } : {}),
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
