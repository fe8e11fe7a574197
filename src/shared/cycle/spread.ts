/**
 * Dispatch spread: each check message of a cycle becomes visible after its own delay, evenly over the first
 * `spreadSeconds` of the cycle, so a thousand mailboxes do not all log in to Exchange Online in the same second
 * (Exchange throttles per app and per mailbox). Every mailbox still gets exactly one message per cycle, and the
 * same position in the configuration gives the same offset every cycle, so each mailbox is checked at a steady
 * interval. The spread plus a mailbox's deadline must stay inside the cycle (docs/performance.md).
 */

/** Seconds of initial invisibility for message `i` of `count`: 0, s/n, 2s/n, … (whole seconds, < spreadSeconds). */
export function spreadDelays(count: number, spreadSeconds: number): number[] {
  if (count <= 0) return [];
  const spread = Math.max(0, Math.floor(spreadSeconds));
  return Array.from({ length: count }, (_, i) => Math.floor((i * spread) / count));
}
