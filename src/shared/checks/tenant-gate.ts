/**
 * A per-tenant cap on open mail connections (IMAP sessions and SMTP probes) in one process. Exchange Online
 * throttles per app and per mailbox; an MSP's big tenant must not take every connection slot, nor open more at once
 * than its admins allow. With N mailboxes running at once each holds at most one IMAP and one SMTP connection, so
 * the cap only bites when one tenant has many of the mailboxes in flight. In Azure it holds per instance: the
 * tenant's total is at most the cap times the number of instances (docs/performance.md).
 */
import { raceDeadline } from '../deadline.js';

export interface ConnectionGate {
  /** Waits for a free slot of the tenant (or the signal); the returned function frees it, once. */
  acquire(tenant: string, signal: AbortSignal): Promise<() => void>;
  /** Open connections per tenant now (for tests and benchmarks). */
  inUse(tenant: string): number;
  readonly limit: number;
}

/** The default cap: 16 mailboxes at once, about three quarters of them with both connections open. */
export const DEFAULT_CONNECTIONS_PER_TENANT = 24;

export function createConnectionGate(limit = DEFAULT_CONNECTIONS_PER_TENANT): ConnectionGate {
  const open = new Map<string, number>();
  const waiting = new Map<string, Array<() => void>>();
  const key = (t: string) => t.toLowerCase();
  const release = (k: string) => {
    const next = waiting.get(k)?.shift();
    // The slot passes straight to the next waiter, so the count stays as it is.
    if (next) next();
    else open.set(k, (open.get(k) ?? 1) - 1);
  };
  return {
    limit,
    inUse: (tenant) => open.get(key(tenant)) ?? 0,
    async acquire(tenant, signal) {
      const k = key(tenant);
      if ((open.get(k) ?? 0) < limit) {
        open.set(k, (open.get(k) ?? 0) + 1);
      } else {
        let granted!: () => void;
        const turn = new Promise<void>((resolve) => (granted = resolve));
        const queue = waiting.get(k) ?? [];
        queue.push(granted);
        waiting.set(k, queue);
        try {
          await raceDeadline(turn, signal);
        } catch (err) {
          // Gave up (deadline): leave the queue; a slot granted in the meantime is passed on.
          const i = queue.indexOf(granted);
          if (i >= 0) queue.splice(i, 1);
          else release(k);
          throw err;
        }
      }
      let freed = false;
      return () => {
        if (freed) return;
        freed = true;
        release(k);
      };
    },
  };
}
