/**
 * Once per scheduled slot. A timer-driven run (dispatchChecks, spamReview) serves one occurrence of its schedule —
 * its slot — and claims it in the `slots` table before it sends anything. A second run of the same slot finds it
 * claimed and does nothing:
 *
 * - The Functions host records each timer's schedule status (last/next occurrence) only *after* the function
 *   returned. If the host restarts between the work and that write, it starts with a status whose `next` is
 *   already past and runs the function again, `isPastDue`, for the same occurrence (azure-webjobs-sdk-extensions,
 *   `TimerListener.StartAsync` / `InvokeJobFunction`). Without a record of our own, the weekly digest went out twice.
 * - A past-due slot that never ran is not claimed yet, so its catch-up run does the work, once.
 *
 * The slot comes from the timer, never from the invocation id: during an invocation `scheduleStatus.next` is the
 * occurrence being served (the host builds the TimerInfo from the status *before* updating it; for a past-due run
 * it is the missed occurrence). When the host keeps no status (schedule monitoring off, as for schedules under a
 * minute) there is no catch-up run either, and the slot is the firing time to the second — the finest an NCRONTAB
 * schedule has, so slots and the run ids built from them stay unique at any schedule.
 *
 * The claim is one etag-guarded row per timer (and mailbox): inserted when absent, replaced only when the stored
 * slot is older. Storage stays bounded (one row, not one per occurrence), and a lost race re-reads.
 */
import type { Outcome } from '../outcome.js';
import type { StateStore } from '../state/ports.js';

/** What the Functions host hands a timer function (`@azure/functions` `Timer`), as far as slots need it. */
export interface TimerInfo {
  isPastDue: boolean;
  scheduleStatus?: { next?: string; last?: string } | null;
}

/** The host may fire a timer slightly before its occurrence (clock skew, under a second); allow for it. */
const EARLY_FIRING_MS = 5_000;

export type SlotSource = 'schedule-status' | 'firing-time';

/** RK of a timer-wide claim (mailbox ids are [a-z0-9-], so `_all` can never be one). */
export const ALL_MAILBOXES = '_all';

/** Parses the host's schedule-status time; a time without a zone is UTC (timers run in UTC on Flex Consumption). */
function parseHostTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
  const d = new Date(zoned);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function toSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/**
 * The schedule occurrence this invocation serves. A `next` in the future (an invocation the schedule did not make,
 * e.g. a manual run from the portal) is not trusted: claiming it would swallow the real run.
 */
export function slotOf(timer: TimerInfo, now: Date): { slot: Date; source: SlotSource } {
  const next = parseHostTime(timer.scheduleStatus?.next);
  if (next && next.getTime() <= now.getTime() + EARLY_FIRING_MS)
    return { slot: toSecond(next), source: 'schedule-status' };
  return { slot: toSecond(new Date(now.getTime() + 500)), source: 'firing-time' };
}

/** `2026-12-07T07:00:00Z` */
export function slotKey(slot: Date): string {
  return `${slot.toISOString().slice(0, 19)}Z`;
}

/** Claimed (`ok`), or already done: the same or a later slot was claimed by `doneBy`. */
export type SlotClaim = Outcome<
  { slot: string; release: () => Promise<void> },
  'already-done',
  { slot: string; doneSlot: string; doneBy: string }
>;

/**
 * Claims `slot` for `timer` (and `scope`, a mailbox id or ALL_MAILBOXES). Not claimed when the same or a later
 * slot was claimed already. `release()` gives an unfinished claim back (only if nobody claimed after it), so a
 * failed run can be retried by a later run of the same slot.
 */
export async function claimSlot(
  store: StateStore,
  timer: string,
  scope: string,
  slot: Date,
  runId: string,
  now: Date,
): Promise<SlotClaim> {
  const key = slotKey(slot);
  const value = { slot: key, runId, claimedAt: now.toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await store.slots.get(timer, scope);
    if (current && new Date(current.value.slot).getTime() >= slot.getTime())
      return {
        ok: false,
        reason: 'already-done',
        slot: key,
        doneSlot: current.value.slot,
        doneBy: current.value.runId,
      };
    const out = current
      ? await store.slots.replace(timer, scope, value, current.etag)
      : await store.slots.create(timer, scope, value);
    if (!out.ok) continue; // someone claimed in between: read again
    const previous = current?.value;
    const etag = out.etag;
    return {
      ok: true,
      slot: key,
      release: async () => {
        if (previous) await store.slots.replace(timer, scope, previous, etag);
        else await store.slots.delete(timer, scope, etag);
      },
    };
  }
  const last = await store.slots.get(timer, scope);
  return {
    ok: false,
    reason: 'already-done',
    slot: key,
    doneSlot: last?.value.slot ?? key,
    doneBy: last?.value.runId ?? 'unknown',
  };
}
