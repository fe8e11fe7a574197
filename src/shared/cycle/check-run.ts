/**
 * One queue message = one mailbox run (docs/architecture.md, "One cycle"): lease → all checks under the mailbox's
 * deadline → telemetry → state + alert policy + channels (notifyRun) → history (the status page) → lease released.
 * Telemetry goes first: Azure Monitor's alert rules are the independent last resort, so a state store failing
 * mid-run must not keep a CRIT result away from them.
 *
 * Redelivery: the queue may deliver a message again (a crash after the work, a visibility timeout). The run id of
 * the last completed run is kept in the `leases` partition (row `last-run`), so the same run id does no work twice.
 * A run that crashed before completing did not write it, so the host's retry does the work.
 * Failures that a retry can fix (the state store unreachable) throw, so the host retries and finally moves the
 * message to the poison queue; a mailbox failing is a result, never an exception.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { notifyRun, type NotifyRunResult } from '../alerts/notify-run.js';
import { runMailbox } from '../checks/runner.js';
import type { CheckResult } from '../contracts.js';
import { recordHistory } from '../history/record.js';
import { releaseLease } from '../state/lease.js';
import { takeMailboxLease } from './mailbox-lease.js';
import { mailboxById, notifyOptions, tokenSourceFor, type CycleDeps } from './deps.js';
import { decodeQueueBody } from './queue-message.js';
import type { Outcome } from '../outcome.js';

export const CHECK_QUEUE = 'mailbox-checks';
export const POISON_QUEUE = `${CHECK_QUEUE}-poison`;
/** The row of the `leases` partition that remembers the last completed run id. */
export const LAST_RUN_ROW = 'last-run';
export { LEASE_MARGIN_MS } from './mailbox-lease.js';

export const CheckMessageSchema = z
  .object({
    mailboxId: z.string().min(1),
    runId: z.string().min(1).max(200),
  })
  .strict();
export type CheckMessage = z.infer<typeof CheckMessageSchema>;

export type CheckRunOutcome =
  | { status: 'done'; mailboxId: string; runId: string; results: CheckResult[]; notify: NotifyRunResult }
  | { status: 'busy'; mailboxId: string; runId: string; holder: string; until: string }
  | { status: 'duplicate'; mailboxId: string; runId: string }
  | { status: 'unknown-mailbox'; mailboxId: string; runId: string };

/** A readable check message (`ok`), or why not (never the content: it could be anything). */
export type ParsedCheckMessage = Outcome<
  { message: CheckMessage },
  'unreadable',
  { problems: string[]; sizeBytes?: number }
>;

/** Parses a queue message body (JSON as the host hands it, a string, or base64 text from an older producer). */
export function parseCheckMessage(body: unknown): ParsedCheckMessage {
  const decoded = decodeQueueBody(body);
  if (!decoded.ok)
    return {
      ok: false,
      reason: 'unreadable',
      problems: [`message: ${decoded.reason}`],
      sizeBytes: decoded.sizeBytes,
    };
  const parsed = CheckMessageSchema.safeParse(decoded.value);
  if (parsed.success) return { ok: true, message: parsed.data };
  return {
    ok: false,
    reason: 'unreadable',
    problems: parsed.error.issues.map((i) => `message.${i.path.join('.')}: ${i.message}`),
  };
}

/** A message no run can use: thrown so that the host retries it, then moves it to the poison queue, which alerts. */
export class UnreadableMessageError extends Error {
  readonly code = 'EMESSAGE';
  constructor(readonly problems: string[]) {
    super(`unreadable check message: ${problems.join('; ')}`);
    this.name = 'UnreadableMessageError';
  }
}

/**
 * `executionId` names this execution (the host's invocation id): the lease is held per execution, not per run id,
 * so a second delivery of the same message while the first still runs (a visibility timeout, a redelivery) finds
 * the mailbox busy instead of running side by side with it.
 */
export async function runCheckMessage(
  deps: CycleDeps,
  body: unknown,
  executionId: string = randomUUID(),
): Promise<CheckRunOutcome> {
  const parsed = parseCheckMessage(body);
  if (!parsed.ok) {
    // Dropping it would hide whatever wrote it (another version, a stray producer): let it reach the poison queue,
    // whose alert names the queue and the message's size.
    deps.logger.error('unreadable check message', { problems: parsed.problems });
    throw new UnreadableMessageError(parsed.problems);
  }
  const { mailboxId, runId } = parsed.message;
  const mailbox = mailboxById(deps.config, mailboxId);
  if (!mailbox) {
    deps.logger.warn('check message for a mailbox no longer configured', { mailboxId });
    return { status: 'unknown-mailbox', mailboxId, runId };
  }
  const holder = `check:${runId}:${executionId}`;
  const started = deps.clock.now();
  const lease = await takeMailboxLease(deps.store, mailbox, holder, started);
  if (!lease.ok) {
    deps.logger.info('mailbox busy, run skipped', { mailboxId, holder: lease.holder });
    return { status: 'busy', mailboxId, runId, holder: lease.holder, until: lease.until.toISOString() };
  }
  try {
    // Independent reads side by side: at a thousand mailboxes every sequential state round trip costs minutes.
    const [last, review, poison] = await Promise.all([
      deps.store.leases.get(mailbox.id, LAST_RUN_ROW),
      deps.store.review.get(mailbox.id, 'spam'),
      deps.store.status.get(mailbox.id, 'queue-poison'),
    ]);
    if (last?.value.holder === runId) {
      deps.logger.info('redelivered check message ignored: run already completed', { mailboxId, runId });
      return { status: 'duplicate', mailboxId, runId };
    }
    const results = await runMailbox(mailbox, {
      clock: deps.clock,
      logger: deps.logger,
      secrets: deps.secrets,
      tokens: (m, deadline) => tokenSourceFor(deps, m, deadline),
      state: deps.store,
      imap: deps.imap,
      smtp: deps.smtp,
      ...(deps.gate ? { gate: deps.gate } : {}),
      lastSpamReviewAt: () => (review?.value.lastReviewAt ? new Date(review.value.lastReviewAt) : undefined),
    });
    deps.sink.recordResults(results);
    // A poison alert from an earlier message resolves when a run completes again (read before the run: only
    // the poison handler writes it).
    if (poison && poison.value.status !== 'OK') {
      const resolved = poisonResolved(mailbox.id, deps.clock.now());
      deps.sink.recordResults([resolved]);
      results.push(resolved);
    }
    const notify = await notifyRun(notifyOptions(deps, mailbox, results));
    // The status page's history. It only draws: a failed write is logged, not retried (a retry would run the
    // mailbox's checks again and could repeat notifications).
    // It and the completed-run marker are independent writes, made side by side.
    const finished = deps.clock.now();
    await Promise.all([
      recordHistory(deps.store, mailbox.id, results, finished).catch((err: unknown) =>
        deps.logger.warn('history not recorded for this run', {
          mailboxId,
          error: err instanceof Error ? err.name : 'error',
        }),
      ),
      deps.store.leases.upsert(mailbox.id, LAST_RUN_ROW, {
        holder: runId,
        acquiredAt: started.toISOString(),
        until: finished.toISOString(),
      }),
    ]);
    return { status: 'done', mailboxId, runId, results, notify };
  } finally {
    await releaseLease(deps.store, mailbox.id, holder).catch((err: unknown) =>
      deps.logger.warn('lease release failed; it expires by itself', {
        mailboxId,
        error: err instanceof Error ? err.name : 'error',
      }),
    );
  }
}

function poisonResolved(mailboxId: string, at: Date): CheckResult {
  return {
    check: 'queue-poison',
    mailbox: mailboxId,
    status: 'OK',
    summary: 'mailbox runs complete again',
    metrics: {},
    durationMs: 0,
    at: at.toISOString(),
  };
}
