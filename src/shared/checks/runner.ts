/**
 * Runs the registry for one mailbox under one overall deadline (docs/architecture.md): checks in order, each seeing the
 * results before it; dependency skips; when the deadline fires, ONE timeout result (CRIT) for the check that was
 * running and "skipped: deadline reached" for the rest; a check that throws (a bug) becomes UNKNOWN naming the
 * error class only (its message could carry anything); the one IMAP session is closed in `finally`.
 */
import type { Clock } from '../clock.js';
import type { Config, MailboxConfig } from '../config/load.js';
import type { SecretResolver } from '../config/secrets.js';
import type { CheckName, CheckResult, RegisteredCheckName } from '../contracts.js';
import type { Logger } from '../logger.js';
import type { StateStore } from '../state/ports.js';
import type { TokenSource } from '../auth/ports.js';
import { createDeadline, DeadlineError, raceDeadline, type Deadline } from '../deadline.js';
import type { ImapSessionFactory, SmtpProbeFactory } from '../mail/ports.js';
import { CHECKS } from './index.js';
import { skippedResult, startCheck } from './result.js';
import type { Check, CheckContext } from './types.js';

export interface RunDeps {
  clock: Clock;
  logger: Logger;
  secrets: SecretResolver;
  /** The token source of a mailbox, bounded by the run's deadline (the auth part caches per identity). */
  tokens: (mailbox: MailboxConfig, deadline: Deadline) => TokenSource;
  /** The IMAP session of a run (imapflow, chosen by the composition root: `cycle/compose.ts`, the CLI). */
  imap: ImapSessionFactory;
  /** The SMTP probe of a run (nodemailer, chosen by the composition root). */
  smtp: SmtpProbeFactory;
  /** Defaults to the registry; tests and callers may pass a subset or replacements. */
  checks?: ReadonlyMap<RegisteredCheckName, Check>;
  lastSpamReviewAt?: (mailbox: MailboxConfig) => Promise<Date | undefined> | Date | undefined;
  /** The state store (sent-quota ledger); handed to every check's context. */
  state: StateStore;
}

export async function runMailbox(mailbox: MailboxConfig, deps: RunDeps): Promise<CheckResult[]> {
  const seconds = mailbox.deadlineSeconds;
  const deadline = createDeadline(deps.clock, seconds * 1000);
  const imap = deps.imap(mailbox, deadline, deps.logger);
  const smtp = deps.smtp(mailbox, deadline, deps.clock);
  const results = new Map<CheckName, CheckResult>();
  const out: CheckResult[] = [];
  try {
    // The review time only refines the junk count: a state-store hiccup must not cost the whole run.
    const review = await Promise.resolve()
      .then(() => deps.lastSpamReviewAt?.(mailbox))
      .catch((err: unknown) => {
        deps.logger.warn('last spam review time unavailable', {
          mailbox: mailbox.id,
          error: err instanceof Error ? err.name : typeof err,
        });
        return undefined;
      });
    const tokens = deps.tokens(mailbox, deadline);
    for (const [name, check] of deps.checks ?? CHECKS) {
      const ctx: CheckContext = {
        mailbox,
        clock: deps.clock,
        logger: deps.logger,
        deadline,
        secrets: deps.secrets,
        tokens,
        imap,
        results,
        smtp,
        state: deps.state,
        ...(review ? { lastSpamReviewAt: review } : {}),
      };
      let result: CheckResult;
      if (deadline.signal.aborted) {
        result = skippedResult(ctx, name, 'deadline reached');
      } else {
        const finish = startCheck(ctx, name);
        try {
          result = await raceDeadline(check(ctx), deadline.signal);
        } catch (err) {
          if (deadline.signal.aborted && (err === deadline.signal.reason || err instanceof DeadlineError)) {
            result = finish({
              status: 'CRIT',
              summary: `timeout: deadline of ${seconds} s reached during ${name}`,
              details: { code: 'TIMEOUT' },
              remediation: {
                cause: `the mailbox run did not finish within ${seconds} s (a server stopped answering)`,
                fix: `check that ${mailbox.cloud.imapHost} and ${mailbox.cloud.smtpHost} answer from here; raise deadlineSeconds only if the servers are merely slow`,
              },
            });
          } else {
            const kind = err instanceof Error ? err.name : typeof err;
            // The message is not reported: it could carry anything a library put there, a token included.
            deps.logger.error('check threw (a bug)', { mailbox: mailbox.id, check: name, error: kind });
            result = finish({
              status: 'UNKNOWN',
              summary: `internal error in ${name} (${kind})`,
              details: { code: 'EBUG', errorClass: kind },
            });
          }
        }
      }
      results.set(name, result);
      out.push(result);
    }
  } finally {
    deadline.dispose();
    await imap.close().catch(() => undefined);
  }
  return out;
}

export interface RunManyOptions {
  /** How many mailboxes run at once (each holds at most one IMAP and one SMTP connection). */
  concurrency?: number;
  /** Called when a mailbox finishes, e.g. for a progress line. */
  onMailboxDone?: (mailbox: MailboxConfig, results: CheckResult[], done: number, total: number) => void;
}

/** Runs mailboxes with a bound on concurrency; results come back in configuration order. */
export async function runMailboxes(
  config: Pick<Config, 'mailboxes'>,
  deps: RunDeps,
  opts: RunManyOptions = {},
): Promise<CheckResult[][]> {
  const list = config.mailboxes;
  const limit = Math.max(1, Math.min(opts.concurrency ?? 4, list.length || 1));
  const out: CheckResult[][] = new Array(list.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      const mailbox = list[i]!;
      out[i] = await runMailbox(mailbox, deps);
      done++;
      opts.onMailboxDone?.(mailbox, out[i]!, done, list.length);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}
