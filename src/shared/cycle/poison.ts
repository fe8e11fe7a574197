/**
 * poisonAlert: the host moved a check message to `mailbox-checks-poison` after delivering it `maxDequeueCount`
 * times (host.json) without success. The mailbox has not been checked — raise `queue-poison` (CRIT) through the
 * same policy and channels as any other check; it resolves when a run for that mailbox completes again.
 *
 * What the alert can honestly say: the deliveries are host.json's `maxDequeueCount` (the poison message's own
 * dequeue count is its first delivery on the poison queue, not the failures before it); the message was queued at
 * its run's slot (the run id starts with it) and moved to the poison queue at its insertion time there — the first
 * and last failure lie between those two.
 *
 * A message nobody can read (not JSON, not base64 of JSON, not a check message) still alerts — to the configured
 * alert recipients and webhooks, as the monitor's own problem — naming the queue and the message's size, never its
 * content (whatever wrote it is unknown, the text is hostile).
 */
import { notifyRun, type NotifyRunResult } from '../alerts/notify-run.js';
import type { CheckResult } from '../contracts.js';
import { parseCheckMessage } from './check-run.js';
import { mailboxById, notifyOptions, type CycleDeps } from './deps.js';

export type PoisonOutcome =
  | { status: 'alerted'; mailboxId: string; result: CheckResult; notify: NotifyRunResult }
  | { status: 'unknown-mailbox'; mailboxId: string }
  | { status: 'unreadable-alerted'; result: CheckResult; notify: NotifyRunResult };

/** What the poison trigger knows about the message besides its body. */
export interface PoisonDelivery {
  /** The queue the message failed on (`mailbox-checks`). */
  queue: string;
  /** How many times the host delivered it there: host.json `maxDequeueCount`. */
  deliveries: number;
  /** When it was put on the poison queue (the trigger's `insertionTime`): the last failure. */
  movedAt?: Date;
}

/** The partition of the monitor's own alerts (mailbox ids are [a-z0-9-], so this is never one). */
export const MONITOR_SCOPE = '_monitor';

const SLOT_PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?Z)-/;

/** The dispatch slot at the start of a run id (`2026-12-07T07:00:00Z-servicedesk`), when there is one. */
export function queuedAtOf(runId: string): Date | undefined {
  const m = SLOT_PREFIX.exec(runId);
  if (!m) return undefined;
  const d = new Date(m[1]!);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const iso = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function poisonResult(
  mailboxId: string,
  runId: string,
  delivery: PoisonDelivery,
  at: Date,
): CheckResult {
  const queuedAt = queuedAtOf(runId);
  const window = [
    queuedAt ? `queued ${iso(queuedAt)}` : undefined,
    delivery.movedAt ? `given up ${iso(delivery.movedAt)}` : undefined,
  ].filter(Boolean);
  return {
    check: 'queue-poison',
    mailbox: mailboxId,
    status: 'CRIT',
    summary:
      `the check run ${runId} failed ${delivery.deliveries} times on ${delivery.queue}` +
      `${window.length ? ` (${window.join(', ')})` : ''}; the mailbox is not being checked`,
    details: {
      runId,
      queue: delivery.queue,
      deliveries: delivery.deliveries,
      ...(queuedAt ? { queuedAt: queuedAt.toISOString() } : {}),
      ...(delivery.movedAt ? { lastFailureAt: delivery.movedAt.toISOString() } : {}),
    },
    metrics: { deliveries: delivery.deliveries },
    remediation: {
      cause: 'checkMailbox threw on every delivery (state store unreachable, or a bug) and the host gave up',
      fix: 'look up the checkMailbox exceptions in Application Insights (failures blade); after the fix the next run resolves this alert',
    },
    durationMs: 0,
    at: at.toISOString(),
  };
}

export function unreadableResult(
  delivery: PoisonDelivery,
  sizeBytes: number | undefined,
  at: Date,
): CheckResult {
  const size = sizeBytes === undefined ? 'a message' : `a ${sizeBytes}-byte message`;
  return {
    check: 'queue-poison',
    mailbox: MONITOR_SCOPE,
    status: 'CRIT',
    summary: `${size} on ${delivery.queue} is not a check message (content not shown); it was removed`,
    details: {
      queue: delivery.queue,
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      ...(delivery.movedAt ? { lastFailureAt: delivery.movedAt.toISOString() } : {}),
    },
    metrics: sizeBytes !== undefined ? { sizeBytes } : {},
    remediation: {
      cause:
        'something other than dispatchChecks wrote to the queue (another deployment or version sharing the storage account, a manual message, a script)',
      fix: 'find the writer in the storage account’s queue logs (Azure Monitor → diagnostic settings → StorageWrite on the queue service); only dispatchChecks should write there',
    },
    durationMs: 0,
    at: at.toISOString(),
  };
}

export async function raisePoison(
  deps: CycleDeps,
  body: unknown,
  delivery: PoisonDelivery,
): Promise<PoisonOutcome> {
  const parsed = parseCheckMessage(body);
  const now = deps.clock.now();
  if (!parsed.ok) {
    deps.logger.error('unreadable poison message', { queue: delivery.queue, sizeBytes: parsed.sizeBytes });
    const result = unreadableResult(delivery, parsed.sizeBytes, now);
    const scope = { id: MONITOR_SCOPE, address: `queue ${delivery.queue}`, reviewers: [] };
    deps.sink.recordResults([result]);
    const notify = await notifyRun(notifyOptions(deps, scope, [result]));
    return { status: 'unreadable-alerted', result, notify };
  }
  const msg = parsed.message;
  const mailbox = mailboxById(deps.config, msg.mailboxId);
  if (!mailbox) return { status: 'unknown-mailbox', mailboxId: msg.mailboxId };
  const result = poisonResult(mailbox.id, msg.runId, delivery, now);
  // Telemetry first: poisoning usually means the state store is down, and Azure Monitor must still hear of it.
  deps.sink.recordResults([result]);
  // The poison alert is not subject to the connectivity threshold: one poisoned message is already N failures.
  const notify = await notifyRun(notifyOptions(deps, mailbox, [result]));
  return { status: 'alerted', mailboxId: mailbox.id, result, notify };
}
