/**
 * One run per mailbox at a time (docs/architecture.md, "One cycle"): checks and spam review take the mailbox's lease
 * first and skip, reporting it, when another holder has it. The lease expires (ttl = the mailbox deadline plus a
 * margin) so a crashed holder blocks at most that long. Every write is etag-guarded: two runners racing for an
 * expired lease cannot both win.
 */
import type { Outcome } from '../outcome.js';
import type { StateStore } from './ports.js';

export const LEASE_ROW = 'run';

/** Held (`ok`), or busy: another holder has it until `until`. */
export type LeaseOutcome = Outcome<
  { holder: string; until: Date; etag: string; tookOverFrom?: string },
  'busy',
  { holder: string; until: Date }
>;

export async function acquireLease(
  store: StateStore,
  mailbox: string,
  holder: string,
  ttlMs: number,
  now: Date,
): Promise<LeaseOutcome> {
  const until = new Date(now.getTime() + ttlMs);
  const value = { holder, until: until.toISOString(), acquiredAt: now.toISOString() };
  // Bounded: each lost race means someone else just wrote the row; the next read shows who holds it.
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await store.leases.get(mailbox, LEASE_ROW);
    if (!current) {
      const out = await store.leases.create(mailbox, LEASE_ROW, value);
      if (out.ok) return { ok: true, holder, until, etag: out.etag };
      continue;
    }
    const currentUntil = new Date(current.value.until);
    const mine = current.value.holder === holder;
    if (!mine && currentUntil.getTime() > now.getTime())
      return { ok: false, reason: 'busy', holder: current.value.holder, until: currentUntil };
    const out = await store.leases.replace(mailbox, LEASE_ROW, value, current.etag);
    if (out.ok)
      return {
        ok: true,
        holder,
        until,
        etag: out.etag,
        ...(mine ? {} : { tookOverFrom: current.value.holder }),
      };
  }
  const last = await store.leases.get(mailbox, LEASE_ROW);
  return last
    ? { ok: false, reason: 'busy', holder: last.value.holder, until: new Date(last.value.until) }
    : { ok: false, reason: 'busy', holder: 'unknown', until };
}

/** Releases the lease only when `holder` still holds it; returns whether it did. */
export async function releaseLease(store: StateStore, mailbox: string, holder: string): Promise<boolean> {
  const current = await store.leases.get(mailbox, LEASE_ROW);
  if (!current || current.value.holder !== holder) return false;
  const out = await store.leases.delete(mailbox, LEASE_ROW, current.etag);
  return out.ok;
}
