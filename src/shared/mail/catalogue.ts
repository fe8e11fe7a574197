/**
 * The classified error catalogue for IMAP and SMTP (docs/exchange-online.md "Failure catalogue"): Exchange Online's replies
 * and the network failures in front of them → a stable code, the status, the cause and the admin's fix with the
 * SetupStep that fixes it. One table per protocol, matched in order; the first match wins.
 *
 * Only the server's reply text and error codes are read — never the command that was sent (AUTHENTICATE carries
 * the token), so nothing here can leak a secret.
 */
import type { Remediation, SetupStep, Status } from '../contracts.js';
import {
  ERROR_CODES,
  processScrubber,
  type ErrorCode,
  type Fault,
  type ServerCodes,
} from '../faults/index.js';

export type TokenKind = 'delegated' | 'app-only';

export interface MailFailure {
  /** Stable code from the project's table (faults/codes.ts): IMAP_AUTH_FAILED, SMTP_TEMPORARY, TLS, TIMEOUT, … */
  code: ErrorCode;
  /** Whose move it is. */
  fault: Fault;
  /** The server's own codes (IMAP response code; SMTP reply and enhanced status codes). */
  server: Pick<ServerCodes, 'imapCode' | 'smtpCode' | 'enhancedCode'>;
  status: Status;
  /** One line, plain text, no secret: what happened, with the server's reply when there is one. */
  summary: string;
  remediation: Remediation;
  /** The server's reply (status + text) when the failure came from the server. */
  serverReply?: string;
}

/** What a failure looks like once reduced to plain data: the reply text, Node's error code, imapflow's hints. */
export interface FailureFacts {
  reply: string;
  code: string;
  message: string;
  /** The IMAP response code (`UNAVAILABLE`, `AUTHENTICATIONFAILED`, … RFC 5530) when the server sent one. */
  imapCode?: string;
  /** The text of an untagged BYE that ended the session. */
  bye?: string;
  /** The SMTP reply code (RFC 5321 §4.2) and enhanced status code (RFC 3463). */
  smtpCode?: number;
  enhancedCode?: string;
}

interface Entry {
  code: ErrorCode;
  match: (f: FailureFacts) => boolean;
  status?: Status;
  cause: string;
  fix: (kind: TokenKind, mailbox: string) => string;
  step: (kind: TokenKind) => SetupStep | undefined;
}

const has = (re: RegExp) => (f: FailureFacts) => re.test(f.reply);
const netCode =
  (...codes: string[]) =>
  (f: FailureFacts) =>
    codes.includes(f.code);

/** TLS failures: the certificate is not trusted, has the wrong name, or the handshake failed. */
const TLS_CODES = [
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
  'ETLS',
];
const TIMEOUT_CODES = [
  'TIMEOUT',
  'ETIMEDOUT',
  'ETIMEOUT',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ESOCKETTIMEDOUT',
];

function networkEntries(protocol: 'IMAP' | 'SMTP', hostHint: string): Entry[] {
  return [
    {
      code: 'TLS',
      match: (f) => TLS_CODES.includes(f.code) || /certificate|TLS|SSL routines/i.test(f.message),
      cause: `the TLS connection to the ${protocol} server could not be verified or negotiated`,
      fix: () =>
        `check ${hostHint} is the right host and that no proxy intercepts TLS; never turn verification off — ` +
        `trust an inspecting proxy's CA through NODE_EXTRA_CA_CERTS`,
      step: () => undefined,
    },
    {
      code: 'DNS',
      match: netCode('ENOTFOUND', 'EAI_AGAIN'),
      cause: `the ${protocol} host name does not resolve`,
      fix: () => `check ${hostHint} in the mailbox's cloud settings and the network's DNS`,
      step: () => undefined,
    },
    {
      code: 'REFUSED',
      match: netCode('ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'),
      cause: `the ${protocol} server refused the connection or is unreachable`,
      fix: () => `check ${hostHint}, its port and the outbound firewall`,
      step: () => undefined,
    },
    {
      code: 'DROPPED',
      match: (f) =>
        netCode('ECONNRESET', 'EPIPE', 'EConnectionClosed', 'NoConnection')(f) ||
        /connection (closed|reset|lost)|unexpected close/i.test(f.message),
      cause: `the ${protocol} server closed the connection unexpectedly`,
      // A network fault (faults/codes.ts): a firewall, proxy or TLS inspection that cuts idle or long connections
      // is as likely as Exchange itself, so both places to look are named.
      fix: () =>
        'usually transient; if it persists, check the network path from the monitor to Exchange Online ' +
        '(firewall, proxy or TLS inspection cutting connections) and the service health of Exchange Online',
      step: () => undefined,
    },
    {
      code: 'TIMEOUT',
      match: (f) => TIMEOUT_CODES.includes(f.code) || /timed? ?out/i.test(f.message),
      cause: `the ${protocol} server did not answer in time`,
      fix: () => `check ${hostHint} is reachable from here and the Exchange Online service health`,
      step: () => undefined,
    },
  ];
}

const IMAP_ENTRIES: Entry[] = [
  {
    code: 'IMAP_UNAVAILABLE',
    // RFC 5530 §3: "UNAVAILABLE — temporary failure because a subsystem is down"; Exchange answers it while the
    // mailbox's backend is moving or failing over. Not a setup problem.
    match: (f) => f.imapCode === 'UNAVAILABLE' || /\[UNAVAILABLE\]/i.test(f.reply),
    cause: 'Exchange Online answered NO [UNAVAILABLE]: the mailbox cannot be served right now',
    fix: () =>
      'nothing to change in the setup; the next run retries. If it persists, check Microsoft 365 service health ' +
      '(Exchange Online)',
    step: () => undefined,
  },
  {
    code: 'IMAP_BYE',
    // RFC 3501 §7.1.5: BYE outside LOGOUT means the server is closing the connection (shutdown, overload).
    match: (f) => f.bye !== undefined,
    cause: 'the IMAP server said BYE and closed the session',
    fix: () =>
      'nothing to change in the setup; the next run retries. If it persists, check Microsoft 365 service health ' +
      '(Exchange Online)',
    step: () => undefined,
  },
  {
    code: 'IMAP_NOT_CONNECTED_SESSION',
    // Exchange accepted the token but could not open a mailbox session for it.
    match: has(/User is authenticated but not connected/i),
    cause:
      'the token was accepted but Exchange opened no mailbox session: the identity lacks permission on the ' +
      'mailbox, or IMAP is disabled for the mailbox',
    fix: (kind, mb) =>
      kind === 'app-only'
        ? `Add-MailboxPermission -Identity ${mb} -User <service principal id> -AccessRights FullAccess; ` +
          `and check Get-CASMailbox ${mb} shows ImapEnabled True`
        : `Set-CASMailbox -Identity ${mb} -ImapEnabled $true; the token's user must be the mailbox or have FullAccess to it`,
    step: (kind) => (kind === 'app-only' ? 'mailbox-permission' : 'imap-enabled'),
  },
  {
    code: 'IMAP_AUTH_FAILED',
    match: (f) => /AUTHENTICATE failed|authentication failed/i.test(f.reply) || f.code === 'AUTH_FAILED',
    cause:
      'Exchange rejected the access token (expired, wrong audience or scope, missing permission, or for ' +
      'app-only access no Exchange service principal)',
    fix: (kind, mb) =>
      kind === 'app-only'
        ? 'grant IMAP.AccessAsApp with admin consent, then in Exchange Online PowerShell ' +
          'New-ServicePrincipal -AppId <appId> -ObjectId <Enterprise Application object id> ' +
          `(not the App registration's object id) and Add-MailboxPermission for ${mb}`
        : 'grant the delegated permission IMAP.AccessAsUser.All (Office 365 Exchange Online) with admin consent; ' +
          `the token must be issued for ${mb}`,
    step: (kind) => (kind === 'app-only' ? 'exchange-service-principal' : 'api-permissions'),
  },
  {
    code: 'IMAP_FETCH_ARGUMENT_ERROR',
    // Reported by imapsync users against Exchange Online on large folders (imapsync #239).
    match: has(/Command Argument Error\. ?11/i),
    cause:
      'Exchange failed to serve the message (BAD Command Argument Error. 11), typical of very large messages',
    fix: () =>
      'move the message out of the folder the desk reads (or enable inbox.moveOversizedTo); if it persists for ' +
      'small messages, open a case with Microsoft',
    step: () => undefined,
  },
  {
    code: 'IMAP_NOT_CONNECTED',
    // Reported against Exchange Online on large folders (imapsync #212).
    match: has(/\bNO\b.*not connected|^not connected/i),
    cause: 'Exchange dropped the mailbox session during the command (NO not connected)',
    fix: () =>
      'usually transient under load; if it persists, reduce the folder size and check Exchange service health',
    step: () => undefined,
  },
  {
    code: 'IMAP_LOGIN_DISABLED',
    match: has(/LOGINDISABLED|XOAUTH2 not (supported|advertised)/i),
    cause: 'the server does not offer XOAUTH2 authentication',
    fix: (_k, mb) => `check the IMAP host setting and that IMAP is enabled for ${mb}`,
    step: () => 'imap-enabled',
  },
  {
    code: 'IMAP_FOLDER_MISSING',
    match: has(/NONEXISTENT|Mailbox doesn't exist|not found|Unknown Mailbox/i),
    cause: 'the folder does not exist',
    fix: () => 'check folders.inbox / folders.junk in the configuration against the mailbox (language!)',
    step: () => undefined,
  },
];

const SERVICE_HEALTH =
  'nothing to change in the setup; the next run retries. If it persists, check Microsoft 365 service health ' +
  '(Exchange Online)';

const SMTP_ENTRIES: Entry[] = [
  {
    code: 'SMTP_AUTH_DISABLED',
    match: has(/5\.7\.139|SmtpClientAuthentication is disabled/i),
    cause: 'SMTP AUTH is disabled for the tenant or for the mailbox (security defaults also disable it)',
    fix: (_k, mb) =>
      `Set-CASMailbox -Identity ${mb} -SmtpClientAuthenticationDisabled $false ` +
      '(and Set-TransportConfig -SmtpClientAuthenticationDisabled $false for the tenant, if the tenant is off)',
    step: () => 'smtp-auth-enabled',
  },
  {
    code: 'SMTP_CONCURRENCY',
    match: has(/4\.3\.2|Concurrent connections limit/i),
    status: 'WARN',
    cause: 'more than 3 concurrent SMTP connections for this mailbox (the desk and the monitor together)',
    fix: () =>
      'check that nothing else holds SMTP connections open for this mailbox; the monitor holds one, briefly; ' +
      'the next run retries',
    step: () => undefined,
  },
  {
    code: 'SMTP_BASIC_AUTH',
    match: has(/5\.7\.30|Basic authentication is not supported/i),
    cause: 'basic authentication was attempted for client submission',
    fix: () => 'use OAuth2 (XOAUTH2) for SMTP: set mail.transport.oauth.enabled=true in ESM',
    step: () => 'esm-platform-settings',
  },
  {
    code: 'SMTP_TEMPORARY',
    // RFC 5321 §4.2.1: 4yz is a transient negative completion — "454 4.7.0 Temporary authentication failure",
    // "421 4.7.0 … try again later" at the greeting. Microsoft's side, not the permissions.
    match: (f) =>
      (f.smtpCode !== undefined && f.smtpCode >= 400 && f.smtpCode < 500) || /^4\d\d\b/.test(f.reply),
    cause: 'Exchange Online answered with a temporary failure (SMTP 4xx)',
    fix: () => SERVICE_HEALTH,
    step: () => undefined,
  },
  {
    code: 'SMTP_NOT_AUTHENTICATED',
    match: has(/5\.7\.57\b|^530\b/),
    cause:
      'Exchange treated the client as not authenticated (530 5.7.57): SMTP AUTH did not take effect for this mailbox',
    fix: (_k, mb) =>
      `Set-CASMailbox -Identity ${mb} -SmtpClientAuthenticationDisabled $false and check that the desk ` +
      'authenticates before sending (mail.transport.oauth.enabled=true)',
    step: () => 'smtp-auth-enabled',
  },
  {
    code: 'SMTP_NO_STARTTLS',
    match: (f) => /STARTTLS/i.test(f.reply) || f.code === 'ENOTLS',
    cause: 'the SMTP server did not offer STARTTLS, which is required before authentication',
    fix: () => 'check the SMTP host and port (smtp.office365.com:587)',
    step: () => undefined,
  },
  {
    code: 'SMTP_AUTH_FAILED',
    // Last: nodemailer marks every AUTH rejection EAUTH, the specific replies above must win.
    match: (f) => /5\.7\.3\b|^535\b/i.test(f.reply) || f.code === 'EAUTH',
    cause: 'Exchange rejected the access token for SMTP (scope, permission or mailbox identity)',
    fix: (kind, mb) =>
      kind === 'app-only'
        ? `grant SMTP.SendAsApp with admin consent and make sure the Exchange service principal has FullAccess or SendAs on ${mb}`
        : `grant the delegated permission SMTP.Send with admin consent; the token must be issued for ${mb}`,
    step: (kind) => (kind === 'app-only' ? 'exchange-service-principal' : 'api-permissions'),
  },
];

/** Reduces any thrown value to plain facts. Never reads `executedCommand` (it may hold the AUTHENTICATE line). */
export function failureFacts(err: unknown): FailureFacts {
  const e = (err ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const status = str(e.responseStatus);
  const text = str(e.responseText);
  let reply = text ? `${status} ${text}`.trim() : str(e.response);
  // nodemailer puts "535 5.7.3 …" in `response`; imapflow puts the compiled reply there for auth failures.
  if (!reply && typeof e.responseCode === 'number') reply = String(e.responseCode);
  // imapflow keeps the text of a BYE that closed the connection in `reason`.
  const bye = str(e.reason) || undefined;
  if (!reply && bye) reply = `BYE ${bye}`;
  reply = reply.replace(/^[A-Z0-9]+ (?=(OK|NO|BAD) )/, '');
  const imapCode =
    str(e.serverResponseCode).toUpperCase() ||
    /^(?:NO|BAD|BYE) \[([A-Z-]+)[\] ]/i.exec(reply)?.[1]?.toUpperCase();
  const smtpCode =
    typeof e.responseCode === 'number' ? e.responseCode : Number(/^([2-5]\d\d)\b/.exec(reply)?.[1] ?? NaN);
  // RFC 3463: class.subject.detail right after the reply code.
  const enhancedCode = /^(?:[2-5]\d\d[ -])?([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1];
  return {
    reply,
    code: str(e.code),
    message: err instanceof Error ? err.message : str(e.message),
    ...(imapCode ? { imapCode } : {}),
    ...(bye ? { bye } : {}),
    ...(Number.isFinite(smtpCode) ? { smtpCode } : {}),
    ...(enhancedCode ? { enhancedCode } : {}),
  };
}

/** Server text is outside text: scrubbed (a server may echo what it received), one line, capped. */
function stripControl(s: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const clean = processScrubber.scrub(s.replace(/[\u0000-\u001f\u007f]+/g, ' ')).trim();
  return clean.length > max ? clean.slice(0, max - 1) + '…' : clean;
}

/**
 * Classifies an IMAP or SMTP failure. `what` says what was being done ("XOAUTH2 login", "fetch of UID 7"),
 * `host` which server it was, for the fix. Unknown failures stay CRIT with the server's reply kept.
 */
export function classifyMailFailure(
  protocol: 'IMAP' | 'SMTP',
  err: unknown,
  opts: { kind: TokenKind; mailbox: string; host: string; what: string },
): MailFailure {
  const facts = failureFacts(err);
  const table = [
    ...(protocol === 'IMAP' ? IMAP_ENTRIES : SMTP_ENTRIES),
    ...networkEntries(protocol, opts.host),
  ];
  const entry = table.find((e) => e.match(facts));
  const reply = facts.reply ? stripControl(facts.reply) : undefined;
  const said = reply ? `: ${reply}` : facts.code ? ` (${facts.code})` : '';
  const server =
    protocol === 'IMAP'
      ? { ...(facts.imapCode ? { imapCode: facts.imapCode } : {}) }
      : {
          ...(facts.smtpCode !== undefined ? { smtpCode: facts.smtpCode } : {}),
          ...(facts.enhancedCode ? { enhancedCode: facts.enhancedCode } : {}),
        };
  if (!entry) {
    const code = protocol === 'IMAP' ? 'IMAP_ERROR' : 'SMTP_ERROR';
    return {
      code,
      fault: ERROR_CODES[code].fault,
      server,
      status: 'CRIT',
      summary: stripControl(`${protocol} ${opts.what} failed${said}`),
      remediation: {
        cause: `unclassified ${protocol} failure${said}`,
        fix: 'check the server reply above and Microsoft 365 service health (Exchange Online)',
      },
      ...(reply ? { serverReply: reply } : {}),
    };
  }
  const fault = ERROR_CODES[entry.code].fault;
  // Only a setup fault names a setup step (faults/fault.ts).
  const step = fault === 'setup' ? entry.step(opts.kind) : undefined;
  return {
    code: entry.code,
    fault,
    server,
    status: entry.status ?? 'CRIT',
    summary: stripControl(`${protocol} ${opts.what} failed${said}`),
    remediation: {
      cause: entry.cause,
      fix: entry.fix(opts.kind, opts.mailbox),
      ...(step ? { setupStep: step } : {}),
    },
    ...(reply ? { serverReply: reply } : {}),
  };
}
