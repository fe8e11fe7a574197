/**
 * poisonAlert: the host moved a check message to `mailbox-checks-poison` after its retries (5 by default, host.json
 * `maxDequeueCount`). That means the mailbox has not been checked at all — raise `queue-poison` (CRIT) through the
 * same policy and channels as any other check. It resolves when a run for that mailbox completes again.
 */
import { notifyRun, type NotifyRunResult } from '../alerts/notify-run.js';
import type { CheckResult } from '../contracts.js';
import { parseCheckMessage } from './check-run.js';
import { mailboxById, notifyOptions, type CycleDeps } from './deps.js';

export type PoisonOutcome =
  | { status: 'alerted'; mailboxId: string; result: CheckResult; notify: NotifyRunResult }
  | { status: 'unknown-mailbox'; mailboxId: string }
  | { status: 'invalid-message'; problems: string[] };

export function poisonResult(
  mailboxId: string,
  runId: string,
  dequeueCount: number | undefined,
  at: Date,
): CheckResult {
  const tries = dequeueCount ? `${dequeueCount} times` : 'repeatedly';
  return {
    check: 'queue-poison',
    mailbox: mailboxId,
    status: 'CRIT',
    summary: `the check run ${runId} failed ${tries}; the mailbox is not being checked`,
    details: { runId, ...(dequeueCount ? { dequeueCount } : {}) },
    metrics: dequeueCount ? { dequeueCount } : {},
    remediation: {
      cause: 'checkMailbox threw on every delivery (state store unreachable, or a bug) and the host gave up',
      fix: 'look up the checkMailbox exceptions in Application Insights (failures blade); after the fix the next run resolves this alert',
    },
    durationMs: 0,
    at: at.toISOString(),
  };
}

export async function raisePoison(
  deps: CycleDeps,
  body: unknown,
  dequeueCount?: number,
): Promise<PoisonOutcome> {
  const msg = parseCheckMessage(body);
  if ('problems' in msg) {
    deps.logger.error('malformed poison message', { problems: msg.problems });
    return { status: 'invalid-message', problems: msg.problems };
  }
  const mailbox = mailboxById(deps.config, msg.mailboxId);
  if (!mailbox) return { status: 'unknown-mailbox', mailboxId: msg.mailboxId };
  const result = poisonResult(mailbox.id, msg.runId, dequeueCount, deps.clock.now());
  // Telemetry first: poisoning usually means the state store is down, and Azure Monitor must still hear of it.
  deps.sink.recordResults([result]);
  // The poison alert is not subject to the connectivity threshold: one poisoned message is already 5 failures.
  const notify = await notifyRun(notifyOptions(deps, mailbox, [result]));
  return { status: 'alerted', mailboxId: mailbox.id, result, notify };
}
