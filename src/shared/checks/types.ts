/**
 * What a check receives and returns. A check is `(ctx) => Promise<CheckResult>`: it returns a value for every
 * outcome (a failing mailbox is a result, not an exception); only bugs throw.
 *
 * The checks use ports that live beside their adapters: `auth/ports.ts` (TokenSource), `mail/ports.ts`
 * (ImapSessionPort, SmtpProbePort), `state/ports.ts` (the StateStore of the quota and junk checks), `deadline.ts`.
 */
import type { TokenSource } from '../auth/ports.js';
import type { Clock } from '../clock.js';
import type { MailboxConfig } from '../config/load.js';
import type { SecretResolver } from '../config/secrets.js';
import type { CheckName, CheckResult } from '../contracts.js';
import type { Deadline } from '../deadline.js';
import type { Logger } from '../logger.js';
import type { ImapSessionPort, SmtpProbePort } from '../mail/ports.js';
import type { StateStore } from '../state/ports.js';

export interface CheckContext {
  readonly mailbox: MailboxConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly deadline: Deadline;
  readonly secrets: SecretResolver;
  readonly tokens: TokenSource;
  readonly imap: ImapSessionPort;
  /** SMTP probe for `smtp-auth` (nodemailer in production, chosen by the composition root). */
  readonly smtp: SmtpProbePort;
  /** When the Junk folder was last reviewed (from the state store); `junk` counts arrivals since then. */
  readonly lastSpamReviewAt?: Date;
  /** The state store (`state/`): the sent-quota ledger lives there (an in-memory store keeps no history). */
  readonly state: StateStore;
  /** Results of the checks that already ran in this mailbox run, by name. */
  readonly results: ReadonlyMap<CheckName, CheckResult>;
}

export type Check = (ctx: CheckContext) => Promise<CheckResult>;
