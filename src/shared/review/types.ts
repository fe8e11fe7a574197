/**
 * The weekly spam review: what is collected from a mailbox's Junk folder, what is remembered between reviews, and
 * the port that remembers it.
 */
import type { ItemAction } from '../report/alert-items.js';
import type { MicrosoftVerdict } from './microsoft-verdict.js';

/** Junk arrivals of one ISO week (UTC): `week` is the Monday, `YYYY-MM-DD`. */
export interface WeeklyJunk {
  week: string;
  junkMessages: number;
}

/**
 * What is remembered between reviews. Same shape as the state module's `ReviewEntity` (table `review`, PK
 * mailbox, RK `spam`) so its store satisfies `ReviewStore` through a two-line adapter.
 */
export interface ReviewRecord {
  /** ISO time the last digest was sent to the reviewers. */
  lastReviewAt?: string;
  /** Oldest first; at most REVIEW_WEEKS entries. */
  weeklyJunk: WeeklyJunk[];
}

/** The review record per mailbox id. */
export interface ReviewStore {
  get(mailbox: string): Promise<ReviewRecord | undefined>;
  put(mailbox: string, record: ReviewRecord): Promise<void>;
}

/** The chart covers this many ISO weeks, the current (partial) one included. */
export const REVIEW_WEEKS = 8;

/**
 * Why a Junk message may be a real customer mail. Heuristics: a forged subject can earn the subject hints; the
 * "seen before" hints need the message to pass DMARC or composite authentication, and a phishing, malware or spoof
 * verdict earns none (hints.ts).
 */
export type LegitHint =
  /** This exact sender address wrote to the mailbox, or was written to, in the last 30 days (and DMARC passed). */
  | 'known-sender'
  /** The sender's domain appears in the Inbox (from) or Sent Items (to/cc) of the last 30 days. */
  | 'known-domain'
  /** The subject starts like a reply (Re:, AW:, SV:, VS: …): someone answering a mail the desk sent. */
  | 'reply-subject'
  /** The subject carries the desk's ticket number (spamReview.ticketPattern). */
  | 'ticket-number';

export interface JunkItem {
  uid: number;
  /** INTERNALDATE (arrival in the mailbox), ISO. */
  received: string;
  /** Decoded display name and address of From. HOSTILE: raw mail data, only length-bounded here. */
  senderName: string;
  senderAddress: string;
  /** Decoded subject. HOSTILE: raw mail data, only length-bounded here. */
  subject: string;
  sizeBytes: number;
  hints: LegitHint[];
  /**
   * Microsoft's verdict from the message's topmost anti-spam headers (microsoft-verdict.ts); undefined when the
   * message carries none (not delivered through Exchange Online). It decides which hints count (hints.ts).
   */
  verdict?: MicrosoftVerdict;
  /** The ticket number matched in the subject (HOSTILE, it is part of the subject). */
  ticket?: string;
  /** Buttons the app offers for this message (e.g. move it to the Inbox); our own links, never mail data. */
  actions?: ItemAction[];
  /** ENVELOPE Message-ID (HOSTILE, length-bounded): what an action link finds the message by if its UID changed. */
  messageId?: string;
}

export type { FolderFoundBy } from '../mail/folder-finder.js';
import type { FolderFoundBy } from '../mail/folder-finder.js';

export interface ReviewCollection {
  mailbox: string;
  junkFolder: { path: string; foundBy: FolderFoundBy };
  /** The Junk folder's UIDVALIDITY when collected (decimal): action links carry it with each UID. */
  junkUidValidity?: string;
  /** Where "known" senders were looked up; undefined when the Sent folder was not found. */
  sentFolder?: { path: string; foundBy: FolderFoundBy };
  collectedAt: string;
  lastReviewAt?: string;
  junkCount: number;
  /** Arrivals after the last review (every message when there was none). */
  newSinceReview: number;
  /** true when the folder was larger than the scan cap: counts are lower bounds. */
  scanTruncated: boolean;
  /**
   * Newest first: the newest spamReview.maxListed messages plus every likely-legitimate one found since the last
   * review (up to collect.ts MAX_HINTED_KEPT more).
   */
  listed: JunkItem[];
  /** Messages whose headers were checked for hints: all since the last review (all scanned without one). */
  hintsScanned?: number;
  /** Messages with at least one hint among those checked (may exceed what `listed` holds). */
  likelyLegitimate?: number;
  /** Oldest first, REVIEW_WEEKS entries ending with the current week. */
  weekly: WeeklyJunk[];
  /** How many distinct sender domains the hints were matched against (0 explains "no known-domain hints"). */
  knownDomains: number;
}
