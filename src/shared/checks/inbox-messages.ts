/**
 * What both waiting modes of the inbox check (inbox.ts, inbox-unseen.ts) share: how many candidates are read, how
 * an oversized message is described, and how the oldest of the candidates is chosen.
 */
import type { FetchMessageObject } from 'imapflow';
import { cleanMailText, senderOf } from './mail-text.js';

/** At most this many oversized messages are listed (the count is always exact). */
export const MAX_LISTED = 20;

/**
 * How many of the lowest-UID waiting messages have their INTERNALDATE read to find the oldest. UIDs grow in the
 * order messages were added to the folder (RFC 3501 §2.3.1.1) — arrival order for delivered mail — so the one
 * waiting longest is normally the first; reading a fixed number keeps the cost the same for 100 or 100,000
 * messages. Caveat (docs/exchange-online.md "The oldest waiting message"): a message moved in later (released
 * from Junk, restored) keeps its old INTERNALDATE under a new, higher UID and is missed when more than
 * CANDIDATES waiting messages have lower UIDs; the age shown is then that of the oldest of those CANDIDATES.
 */
export const CANDIDATES = 20;

export interface OversizedMessage {
  uid: number;
  size: number;
  date: string;
  sender: string;
  subject: string;
  /** ENVELOPE Message-ID (cleaned): how an action link finds the message again. */
  messageId?: string;
}

export interface Candidate {
  uid: number;
  date: Date;
}

/** A SEARCH answer (imapflow gives `false` on failure) as sorted numbers. */
export function sortedHits(found: unknown): number[] {
  return (Array.isArray(found) ? (found as number[]) : []).slice().sort((a, b) => a - b);
}

export function dateOf(m: FetchMessageObject): Date {
  return m.internalDate instanceof Date ? m.internalDate : new Date(m.internalDate ?? NaN);
}

/** The oldest by INTERNALDATE (the lower UID on a tie); candidates without a readable date are skipped. */
export function oldestOf(candidates: Iterable<Candidate>): Candidate | undefined {
  let oldest: Candidate | undefined;
  for (const c of candidates) {
    if (Number.isNaN(c.date.getTime())) continue;
    if (!oldest || c.date < oldest.date || (+c.date === +oldest.date && c.uid < oldest.uid)) oldest = c;
  }
  return oldest;
}

export function oversizedMessage(m: FetchMessageObject): OversizedMessage {
  const date = m.internalDate instanceof Date ? m.internalDate.toISOString() : String(m.internalDate ?? '');
  return {
    uid: m.uid,
    size: m.size ?? 0,
    date,
    sender: senderOf(m.envelope),
    subject: cleanMailText(m.envelope?.subject),
    ...(m.envelope?.messageId ? { messageId: cleanMailText(m.envelope.messageId, 250) } : {}),
  };
}
