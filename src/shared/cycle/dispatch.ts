/**
 * dispatchChecks: one queue message per configured mailbox, carrying only the mailbox id and a run id (no secret,
 * nothing from a mailbox). The run id names this dispatch, so a redelivered message is recognised by the worker.
 */
import type { Config } from '../config/load.js';
import type { CheckMessage } from './check-run.js';

/** `2026-11-27T14:05Z-servicedesk`: the dispatch minute (UTC) and the mailbox. */
export function runIdFor(dispatchedAt: Date, mailboxId: string): string {
  return `${dispatchedAt.toISOString().slice(0, 16)}Z-${mailboxId}`;
}

export function dispatchMessages(config: Pick<Config, 'mailboxes'>, dispatchedAt: Date): CheckMessage[] {
  return config.mailboxes.map((m) => ({ mailboxId: m.id, runId: runIdFor(dispatchedAt, m.id) }));
}
