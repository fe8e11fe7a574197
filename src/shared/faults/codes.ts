/**
 * The one table of mailbox-health's error codes, like nodemailer's `lib/errors.js`: every failing result carries
 * one of these codes in `details.code` and the fault class it belongs to in `details.fault`. The fault class says
 * whose move it is:
 *
 * - `setup`    — our users' configuration (app registration, consent, Exchange settings, the account): the result
 *                names the fix and, when one applies, the setup step.
 * - `service`  — Microsoft's side answered with a temporary failure (HTTP 5xx/429, IMAP `[UNAVAILABLE]`/`BYE`,
 *                SMTP 4xx): nothing to change here; look at Microsoft 365 service health.
 * - `network`  — the path between the monitor and Microsoft (DNS, TCP, TLS, proxies, pages that are not JSON).
 * - `timeout`  — the mailbox run's deadline was reached.
 * - `monitor`  — the monitor's own configuration, environment or state store (status UNKNOWN: the mailbox may be
 *                fine, the monitor cannot tell).
 *
 * Microsoft's own codes (AADSTS numbers, HTTP statuses, IMAP response codes, SMTP basic and enhanced status
 * codes) are not ours: they stay in `details` beside our code (`aadsts`, `httpStatus`, `imapCode`, `smtpCode`,
 * `enhancedCode`).
 */

export const FAULTS = ['setup', 'service', 'network', 'timeout', 'monitor'] as const;
export type Fault = (typeof FAULTS)[number];

/** Who acts on each fault class (for docs, alerts and doctor). */
export const FAULT_OWNER: Readonly<Record<Fault, string>> = {
  setup: 'the tenant or service-desk admin: the fix and setup step in the result',
  service: 'nobody here: Microsoft 365 service health; the next run retries',
  network:
    'whoever runs the network path from the monitor to Microsoft (DNS, firewall, proxy, TLS inspection)',
  timeout: 'the monitor’s operator if it repeats: a server stopped answering within the mailbox deadline',
  monitor: 'the monitor’s operator: its configuration, app settings / Key Vault references or state store',
};

interface CodeEntry {
  readonly fault: Fault;
  /** What the code means, in a few words. */
  readonly meaning: string;
}

export const ERROR_CODES = {
  // ── The run itself ──────────────────────────────────────────────────────────────────────────────────────
  TIMEOUT: {
    fault: 'timeout',
    meaning: 'the mailbox deadline was reached (or a server did not answer in time)',
  },
  EBUG: { fault: 'monitor', meaning: 'a check threw: a bug in the monitor' },
  ESTATE: { fault: 'monitor', meaning: 'the monitor’s state store could not be read or written' },
  ESECRET: {
    fault: 'monitor',
    meaning: 'a secret reference (environment variable, file) could not be resolved',
  },
  ECONFIG: { fault: 'monitor', meaning: 'the monitor’s configuration is invalid' },
  // ── Entra ID (token endpoint) ───────────────────────────────────────────────────────────────────────────
  AADSTS: {
    fault: 'setup',
    meaning: 'Entra ID refused the sign-in (the AADSTS number is in details.aadsts)',
  },
  ECERT: { fault: 'setup', meaning: 'the configured certificate or private key is unusable' },
  EAUTHORITY: {
    fault: 'setup',
    meaning: 'the authority’s OpenID metadata could not be read (host or tenant)',
  },
  EAUTH: { fault: 'setup', meaning: 'the token request failed without an AADSTS code' },
  ETRANSIENT: {
    fault: 'service',
    meaning: 'Entra ID answered 429/5xx or temporarily_unavailable until retries ran out',
  },
  ENETWORK: { fault: 'network', meaning: 'Entra ID could not be reached (DNS, TCP, TLS)' },
  EBADRESPONSE: {
    fault: 'network',
    meaning: 'the token endpoint answered something that is not Entra’s JSON (a proxy page)',
  },
  // ── Shared by IMAP and SMTP: the path to the server ───────────────────────────────────────────────────
  TLS: { fault: 'network', meaning: 'the TLS connection could not be verified or negotiated' },
  DNS: { fault: 'network', meaning: 'the host name does not resolve' },
  REFUSED: { fault: 'network', meaning: 'the connection was refused or the host is unreachable' },
  DROPPED: { fault: 'network', meaning: 'the connection closed unexpectedly' },
  // ── IMAP (Exchange Online) ──────────────────────────────────────────────────────────────────────────────
  IMAP_AUTH_FAILED: { fault: 'setup', meaning: 'NO AUTHENTICATE failed: the token was rejected' },
  IMAP_NOT_CONNECTED_SESSION: {
    fault: 'setup',
    meaning: 'User is authenticated but not connected: no mailbox session',
  },
  IMAP_LOGIN_DISABLED: { fault: 'setup', meaning: 'the server offers no XOAUTH2' },
  IMAP_FOLDER_MISSING: { fault: 'setup', meaning: 'a configured folder does not exist' },
  IMAP_UNAVAILABLE: {
    fault: 'service',
    meaning: 'NO [UNAVAILABLE]: Exchange cannot serve the mailbox right now',
  },
  IMAP_BYE: { fault: 'service', meaning: 'the server said BYE and closed the session' },
  IMAP_NOT_CONNECTED: { fault: 'service', meaning: 'NO not connected: Exchange dropped the mailbox session' },
  IMAP_FETCH_ARGUMENT_ERROR: {
    fault: 'service',
    meaning: 'BAD Command Argument Error. 11 while fetching a message',
  },
  IMAP_ERROR: { fault: 'service', meaning: 'an IMAP reply no table entry matches (the reply is quoted)' },
  // ── SMTP submission (Exchange Online) ───────────────────────────────────────────────────────────────────
  SMTP_AUTH_FAILED: { fault: 'setup', meaning: '535 5.7.3: the token was rejected' },
  SMTP_AUTH_DISABLED: {
    fault: 'setup',
    meaning: '535 5.7.139: SMTP AUTH is disabled for the tenant or mailbox',
  },
  SMTP_NOT_AUTHENTICATED: { fault: 'setup', meaning: '530 5.7.57: the client was not authenticated' },
  SMTP_BASIC_AUTH: { fault: 'setup', meaning: '550 5.7.30: basic authentication attempted' },
  SMTP_NO_STARTTLS: {
    fault: 'network',
    meaning: 'STARTTLS was not offered (wrong host or an intercepting device)',
  },
  SMTP_CONCURRENCY: {
    fault: 'service',
    meaning: '432 4.3.2: too many concurrent connections for the mailbox',
  },
  SMTP_TEMPORARY: { fault: 'service', meaning: 'a 4xx reply (421, 451, 454 4.7.0 …): try again later' },
  SMTP_ERROR: { fault: 'service', meaning: 'an SMTP reply no table entry matches (the reply is quoted)' },
  // ── Findings of the checks that are failures of the setup ───────────────────────────────────────────────
  JUNK_NOT_FOUND: { fault: 'setup', meaning: 'the Junk folder was not found' },
  SENT_NOT_FOUND: { fault: 'setup', meaning: 'the Sent Items folder was not found' },
  EPERMISSIONS: { fault: 'setup', meaning: 'the token lacks the IMAP or SMTP permission' },
} as const satisfies Record<string, CodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Is `code` one of ours (an AADSTS number counts as the `AADSTS` entry)? */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** The table entry for a code as results spell it (`AADSTS50126` → the AADSTS entry). */
export function codeEntry(code: string): CodeEntry | undefined {
  if (/^AADSTS\d+$/.test(code)) return ERROR_CODES.AADSTS;
  return isErrorCode(code) ? ERROR_CODES[code] : undefined;
}

/** The fault class of a code; undefined for codes outside the table. */
export function faultOf(code: string): Fault | undefined {
  return codeEntry(code)?.fault;
}
