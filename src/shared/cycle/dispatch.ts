/**
 * dispatchChecks: one queue message per configured mailbox, carrying only the mailbox id and a run id (no secret,
 * nothing from a mailbox). The run id names the schedule slot this dispatch serves (to the second, see
 * schedule-slot.ts), so a redelivered message is recognised by the worker and two slots never share an id.
 */
import type { Config } from '../config/load.js';
import type { CheckMessage } from './check-run.js';
import { ALL_MAILBOXES, claimSlot, slotKey } from './schedule-slot.js';
import type { CycleDeps } from './deps.js';

export const DISPATCH_TIMER = 'dispatchChecks';

/** `2026-11-27T14:05:00Z-servicedesk`: the slot (UTC, to the second) and the mailbox. */
export function runIdFor(slot: Date, mailboxId: string): string {
  return `${slotKey(slot)}-${mailboxId}`;
}

export function dispatchMessages(config: Pick<Config, 'mailboxes'>, slot: Date): CheckMessage[] {
  return config.mailboxes.map((m) => ({ mailboxId: m.id, runId: runIdFor(slot, m.id) }));
}

export type DispatchOutcome =
  | { status: 'dispatched'; slot: string; messages: CheckMessage[] }
  | { status: 'already-done'; slot: string; doneSlot: string; doneBy: string; messages: [] };

/** Claims the slot, then returns its messages; a slot already dispatched returns none. */
export async function dispatchSlot(
  deps: Pick<CycleDeps, 'config' | 'store' | 'clock'>,
  slot: Date,
): Promise<DispatchOutcome> {
  const claim = await claimSlot(
    deps.store,
    DISPATCH_TIMER,
    ALL_MAILBOXES,
    slot,
    `dispatch-${slotKey(slot)}`,
    deps.clock.now(),
  );
  if (!claim.ok)
    return {
      status: 'already-done',
      slot: claim.slot,
      doneSlot: claim.doneSlot,
      doneBy: claim.doneBy,
      messages: [],
    };
  return { status: 'dispatched', slot: claim.slot, messages: dispatchMessages(deps.config, slot) };
}
