/**
 * Runs the registry for one mailbox under one overall deadline (docs/architecture.md): the IMAP checks in order,
 * each seeing the results before it, the SMTP probe alongside them once `auth` has a result; dependency skips; when
 * the deadline fires, one timeout result (CRIT) for the check that was running in each lane and "skipped: deadline
 * reached" for the rest; a check that throws (a bug) becomes UNKNOWN naming the
 * error class only (its message could carry anything); the one IMAP session is closed in `finally`. Every result
 * is scrubbed and obeys the fault-class rules (faults/) before anyone else sees it.
 */
import type { Clock } from '../clock.js';
import type { Config, MailboxConfig } from '../config/load.js';
import type { SecretResolver } from '../config/secrets.js';
import type { CheckName, CheckResult, RegisteredCheckName } from '../contracts.js';
import { enforceFaultRules, processScrubber, withFault, type Scrubber } from '../faults/index.js';
import type { Logger } from '../logger.js';
import type { StateStore } from '../state/ports.js';
import type { TokenSource } from '../auth/ports.js';
import { createDeadline, DeadlineError, raceDeadline, type Deadline } from '../deadline.js';
import type { ImapSessionFactory, SmtpProbeFactory } from '../mail/ports.js';
import { CHECKS } from './index.js';
import { skippedResult, startCheck, type ResultParts } from './result.js';
import { DEPENDS_ON, skipIfBlocked } from './skip.js';
import type { ConnectionGate } from './tenant-gate.js';
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
  /** Caps open connections per tenant across the mailboxes running at once (one gate per process). */
  gate?: ConnectionGate;
}

/**
 * The connection each check works over. The IMAP checks share the one session, one after another; the SMTP probe
 * has its own connection and runs alongside them as soon as its dependency (`auth`) has a result, so a mailbox
 * run waits for the slower of the two lanes instead of their sum (still one IMAP and one SMTP connection).
 */
const LANE: Partial<Record<RegisteredCheckName, 'imap' | 'smtp'>> = {
  'imap-login': 'imap',
  inbox: 'imap',
  junk: 'imap',
  'sent-quota': 'imap',
  'smtp-auth': 'smtp',
};

export async function runMailbox(mailbox: MailboxConfig, deps: RunDeps): Promise<CheckResult[]> {
  const seconds = mailbox.deadlineSeconds;
  const deadline = createDeadline(deps.clock, seconds * 1000);
  const imap = deps.imap(mailbox, deadline, deps.logger);
  const smtp = deps.smtp(mailbox, deadline, deps.clock);
  const results = new Map<CheckName, CheckResult>();
  const registry = [...(deps.checks ?? CHECKS)];
  let releaseImap: (() => void) | undefined;
  const scrubber = processScrubber.with(mailboxSecrets(mailbox, deps.secrets));
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
    const ctx: CheckContext = {
      mailbox,
      clock: deps.clock,
      logger: deps.logger,
      deadline,
      secrets: deps.secrets,
      tokens: deps.tokens(mailbox, deadline),
      imap,
      results,
      smtp,
      state: deps.state,
      ...(review ? { lastSpamReviewAt: review } : {}),
    };
    const gate = deps.gate;
    const slot = () => (gate ? gate.acquire(mailbox.tenantId, deadline.signal) : Promise.resolve(() => {}));
    const runOne = async (name: RegisteredCheckName, check: Check): Promise<void> => {
      const lane = LANE[name];
      let release: (() => void) | undefined;
      // A connection slot of the tenant is taken only by a check that will connect (its dependency passed).
      const connects = lane !== undefined && skipIfBlocked(ctx, name) === undefined;
      const work = async () => {
        if (connects && lane === 'imap') releaseImap ??= await slot();
        if (connects && lane === 'smtp') release = await slot();
        return check(ctx);
      };
      try {
        results.set(name, atBoundary(await runGuarded(ctx, name, work, seconds), scrubber));
      } finally {
        release?.();
      }
    };
    const alongside = registry.filter(([name]) => LANE[name] === 'smtp');
    const inOrder = registry.filter(([name]) => LANE[name] !== 'smtp');
    const running: Promise<void>[] = [];
    const started = new Set<RegisteredCheckName>();
    const startReady = (all = false) => {
      for (const [name, check] of alongside) {
        const dep = DEPENDS_ON[name];
        if (started.has(name) || !(all || !dep || results.has(dep))) continue;
        started.add(name);
        running.push(runOne(name, check));
      }
    };
    startReady();
    for (const [name, check] of inOrder) {
      await runOne(name, check);
      startReady();
    }
    startReady(true);
    await Promise.all(running);
    const renew = tokenToRenew(results, mailbox);
    if (renew) ctx.tokens.forget?.(renew);
  } finally {
    deadline.dispose();
    await imap.close().catch(() => undefined);
    releaseImap?.();
  }
  // Results in registry order, whatever order the lanes finished in.
  return registry.map(([name]) => results.get(name)!);
}

/**
 * Whether this run's token may be the problem, so that the next run must not reuse it (a cached token would keep
 * a fixed setup looking broken until it expires):
 * - `everywhere`: the token lacks a permission (roles and scopes are fixed in Entra; only a new token carries
 *   them), or IMAP or SMTP refused a delegated identity's token (that identity serves this one mailbox);
 * - `kept`: IMAP or SMTP refused an app-only token. The copy kept between processes (the CLI's state directory)
 *   goes — the next run signs in afresh and, if the app itself was disabled, Entra says so. The in-memory one
 *   stays: it serves the app's other mailboxes, and a missing mailbox permission is not in the token.
 */
export function tokenToRenew(
  results: ReadonlyMap<CheckName, CheckResult>,
  mailbox: MailboxConfig,
): 'everywhere' | 'kept' | undefined {
  if (results.get('auth')?.details?.code === 'EPERMISSIONS') return 'everywhere';
  const refused = (['imap-login', 'smtp-auth'] as const).some((n) => {
    const r = results.get(n);
    return r !== undefined && r.status !== 'OK' && r.details?.fault === 'setup';
  });
  if (!refused) return undefined;
  return mailbox.auth.mode === 'password' ? 'everywhere' : 'kept';
}

/** One check under the deadline: its result, one timeout result, or UNKNOWN naming a bug's error class. */
async function runGuarded(
  ctx: CheckContext,
  name: RegisteredCheckName,
  work: () => Promise<CheckResult>,
  seconds: number,
): Promise<CheckResult> {
  const { deadline, mailbox } = ctx;
  if (deadline.signal.aborted) return skippedResult(ctx, name, 'deadline reached');
  const finish = startCheck(ctx, name);
  try {
    return await raceDeadline(work(), deadline.signal);
  } catch (err) {
    if (deadline.signal.aborted && (err === deadline.signal.reason || err instanceof DeadlineError)) {
      return finish(
        withFault<ResultParts>(
          {
            status: 'CRIT',
            summary: `timeout: deadline of ${seconds} s reached during ${name}`,
            remediation: {
              cause: `the mailbox run did not finish within ${seconds} s (a server stopped answering)`,
              fix: `check that ${mailbox.cloud.imapHost} and ${mailbox.cloud.smtpHost} answer from here; raise deadlineSeconds only if the servers are merely slow`,
            },
          },
          'TIMEOUT',
        ),
      );
    }
    const kind = err instanceof Error ? err.name : typeof err;
    // The message is not reported: it could carry anything a library put there, a token included.
    ctx.logger.error('check threw (a bug)', { mailbox: mailbox.id, check: name, error: kind });
    return finish(
      withFault<ResultParts>(
        { status: 'UNKNOWN', summary: `internal error in ${name} (${kind})`, details: { errorClass: kind } },
        'EBUG',
      ),
    );
  }
}

/** The mailbox's own secrets, as far as they resolve (a missing one is reported by the checks, not here). */
function mailboxSecrets(mailbox: MailboxConfig, secrets: SecretResolver): string[] {
  const a = mailbox.auth;
  const refs =
    a.mode === 'password' ? [a.password] : a.mode === 'clientSecret' ? [a.clientSecret] : [a.privateKey];
  const out: string[] = [];
  for (const ref of refs) {
    try {
      out.push(secrets(ref, `mailbox "${mailbox.id}" auth`));
    } catch {
      // Unresolvable: nothing of it can leak.
    }
  }
  return out;
}

/**
 * Every result leaves the run through here: each string scrubbed of the identity's secrets and secret-shaped
 * text (server replies and library messages are outside text), and the fault-class rules applied.
 */
function atBoundary(result: CheckResult, scrubber: Scrubber): CheckResult {
  return enforceFaultRules(scrubber.scrubDeep(result));
}

/**
 * Mailboxes at once by default. A mailbox run mostly waits on the network (TLS, login, each IMAP command, at tens
 * of milliseconds per round trip to Exchange Online); 16 at a time was 3.2× faster than 4 for the same CPU.
 */
export const DEFAULT_CONCURRENCY = 16;

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
  const limit = Math.max(1, Math.min(opts.concurrency ?? DEFAULT_CONCURRENCY, list.length || 1));
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
