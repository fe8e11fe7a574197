/**
 * The mailbox lease every run takes before it opens a connection (checks, the spam review, an admin's move), so a
 * mailbox never has two IMAP sessions of ours at once. It lasts the mailbox's deadline plus a margin for the state
 * writes and notifications after the work; a crashed holder's lease simply expires.
 */
import type { MailboxConfig } from '../config/load.js';
import { acquireLease, type LeaseOutcome } from '../state/lease.js';
import type { StateStore } from '../state/ports.js';

/** A lease outlives the mailbox deadline by this margin (state writes and notification after the work). */
export const LEASE_MARGIN_MS = 60_000;

export function takeMailboxLease(
  store: StateStore,
  mailbox: Pick<MailboxConfig, 'id' | 'deadlineSeconds'>,
  holder: string,
  now: Date,
): Promise<LeaseOutcome> {
  return acquireLease(store, mailbox.id, holder, mailbox.deadlineSeconds * 1000 + LEASE_MARGIN_MS, now);
}
