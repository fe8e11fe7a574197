/**
 * The ports the mail part offers: the one IMAP session of a mailbox run (`imap-session.ts`, imapflow) and the SMTP
 * AUTH probe (`smtp-probe.ts`, nodemailer). Which implementation a run gets is chosen by the composition root.
 */
import type { ImapFlow } from 'imapflow';
import type { Clock } from '../clock.js';
import type { MailboxConfig } from '../config/load.js';
import type { Deadline } from '../deadline.js';
import type { Logger } from '../logger.js';

/** The one IMAP connection of a mailbox run: opened by `imap-login`, reused by later checks, closed by the runner. */
export interface ImapSessionPort {
  /** The authenticated client, or undefined when imap-login did not succeed. */
  client(): ImapFlow | undefined;
  open(accessToken: string): Promise<ImapFlow>;
  close(): Promise<void>;
}

/** Result of an SMTP AUTH probe: `verify()` only, nothing sent (implemented by `mail/smtp-probe.ts`). */
export type SmtpProbeOutcome =
  { ok: true; latencyMs: number } | { ok: false; error: unknown; latencyMs: number };

/** One short-lived SMTP connection per probe, closed at once. */
export interface SmtpProbePort {
  verify(accessToken: string, signal: AbortSignal): Promise<SmtpProbeOutcome>;
}

/** Opens the IMAP session of one mailbox run; the composition root picks imapflow, tests and the demo their own. */
export type ImapSessionFactory = (
  mailbox: MailboxConfig,
  deadline: Deadline,
  logger: Logger,
) => ImapSessionPort;

/** Builds the SMTP probe of one mailbox run; the composition root picks nodemailer. */
export type SmtpProbeFactory = (mailbox: MailboxConfig, deadline: Deadline, clock: Clock) => SmtpProbePort;
