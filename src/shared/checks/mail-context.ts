/**
 * Small helpers the mail checks share: the token kind of a mailbox (for the catalogue's fixes) and turning a
 * classified mail failure into a result.
 */
import type { MailboxConfig } from '../config/load.js';
import { classifyMailFailure, type TokenKind } from '../mail/catalogue.js';
import { withFault } from '../faults/index.js';
import type { ResultParts } from './result.js';

/** ROPC (password) tokens are delegated; client secret and certificate tokens are app-only. */
export function tokenKindOf(mailbox: MailboxConfig): TokenKind {
  return mailbox.auth.mode === 'password' ? 'delegated' : 'app-only';
}

/**
 * Classifies an IMAP/SMTP failure into result parts: our code and its fault class, the server's reply and codes
 * (imapCode; smtpCode + enhancedCode) and extra details.
 */
export function failureParts(
  protocol: 'IMAP' | 'SMTP',
  err: unknown,
  mailbox: MailboxConfig,
  what: string,
  extra: { details?: Record<string, unknown>; metrics?: Record<string, number> } = {},
): ResultParts {
  const host = protocol === 'IMAP' ? mailbox.cloud.imapHost : mailbox.cloud.smtpHost;
  const f = classifyMailFailure(protocol, err, {
    kind: tokenKindOf(mailbox),
    mailbox: mailbox.address,
    host,
    what,
  });
  const parts: ResultParts = {
    status: f.status,
    summary: f.summary,
    remediation: f.remediation,
    details: { ...(f.serverReply ? { serverReply: f.serverReply } : {}), ...extra.details },
    ...(extra.metrics ? { metrics: extra.metrics } : {}),
  };
  return withFault(parts, f.code, f.server, f.fault);
}
