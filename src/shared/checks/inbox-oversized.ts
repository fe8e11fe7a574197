/**
 * Which Inbox messages the inbox check must ask the server about for `SEARCH LARGER`, given what its last run found.
 *
 * "The combination of mailbox name, UIDVALIDITY, and UID must refer to a single immutable message on that server
 * forever" (RFC 3501 §2.3.1.1): a message's size never changes and a new message always gets a UID at or above the
 * UIDNEXT seen before it arrived. So when the last run knew every oversized message of the same folder, UIDVALIDITY
 * and threshold (at most `listed`, each of them listed in its result), only those and the messages that arrived
 * since can be oversized now: `SEARCH LARGER n UID <known>,<last UIDNEXT>:*` — a question about the new and the
 * known-oversized messages instead of about every message in the folder, whose answer time grows with the folder
 * on a server that has to look at each message's size.
 *
 * The last run's result is the one kept in the state store's `status` table by the Function App's cycle, or by the
 * CLI's `check` with a state directory. Without one (first run, the CLI with "memory", a failed, truncated or
 * skipped result, another folder or threshold, too many oversized to list) the whole folder is searched.
 */
import type { CheckContext } from './types.js';

export interface LastOversized {
  uidValidity: string;
  uidNext: number;
  /** Every oversized UID the last run found. */
  uids: number[];
}

const isUid = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** The last run's complete oversized list, or undefined when there is none to rely on (never throws). */
export async function lastOversized(ctx: CheckContext, listed: number): Promise<LastOversized | undefined> {
  try {
    const row = await ctx.state.status.get(ctx.mailbox.id, 'inbox');
    const r = row?.value.result;
    const d = r?.details as Record<string, unknown> | undefined;
    if (!r || !d || d.stage !== undefined) return undefined;
    if (d.folder !== ctx.mailbox.folders.inbox || d.maxMessageBytes !== ctx.mailbox.inbox.maxMessageBytes)
      return undefined;
    if (typeof d.uidValidity !== 'string' || !isUid(d.uidNext) || !Array.isArray(d.oversized))
      return undefined;
    const uids = d.oversized.map((o: unknown) => (o as { uid?: unknown } | null)?.uid);
    const count = r.metrics.oversizedMessages;
    if (!uids.every(isUid) || count !== uids.length || count > listed) return undefined;
    return { uidValidity: d.uidValidity, uidNext: d.uidNext, uids: uids as number[] };
  } catch {
    // The store is unreachable: this run searches the whole folder; the store's own failure is reported elsewhere.
    return undefined;
  }
}

/** The UID set to restrict `SEARCH LARGER` to, or undefined to search the whole folder. */
export function oversizedScope(
  last: LastOversized | undefined,
  uidValidity: string | undefined,
): string | undefined {
  if (!last || uidValidity === undefined || last.uidValidity !== uidValidity) return undefined;
  // `n:*` also matches the highest UID when none is at or above n (RFC 3501 §6.4.8): harmless, it is searched too.
  return [...[...new Set(last.uids)].sort((a, b) => a - b).map(String), `${last.uidNext}:*`].join(',');
}
