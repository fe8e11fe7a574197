/**
 * Collects the weekly spam review of one mailbox from an authenticated imapflow client, read-only: every folder is
 * opened with EXAMINE (`readOnly: true`) and only ENVELOPE, INTERNALDATE, RFC822.SIZE and three anti-spam header
 * fields (BODY.PEEK[HEADER.FIELDS …], microsoft-verdict.ts) are fetched — no body, no flag change (ESM depends on
 * unread state).
 *
 * Bounded work on big folders: the Junk scan reads INTERNALDATE/size of at most `scanCap` newest UIDs; the hints are
 * computed from the envelopes (headers only) of every scanned message since the last review, fetched `HINT_PAGE`
 * UIDs at a time, keeping only the newest `maxListed` and up to `MAX_HINTED_KEPT` likely-legitimate ones; the
 * "known correspondents" look-up reads envelopes of at most `knownCap` messages of the last 30 days in each of
 * Inbox and Sent Items.
 *
 * Everything taken from the mailbox is HOSTILE and only length-bounded here; the digest escapes it.
 */
import type { FetchMessageObject, ImapFlow, MessageAddressObject } from 'imapflow';
import type { Clock } from '../clock.js';
import type { MailboxConfig } from '../config/load.js';
import { compileUserPattern } from '../config/user-pattern.js';
import { findFolder } from '../mail/folder-finder.js';
import { fetchByUid } from '../mail/uid-sets.js';
import { domainOf, hintsFor, type KnownCorrespondents } from './hints.js';
import { ANTISPAM_HEADER_FIELDS, microsoftVerdict } from './microsoft-verdict.js';
import { REVIEW_WEEKS, type JunkItem, type ReviewCollection, type ReviewRecord } from './types.js';
import { lastWeeks, mergeWeekly, weekKey } from './weeks.js';

const DAY_MS = 86_400_000;
/** UIDs per ENVELOPE fetch while computing hints. */
export const HINT_PAGE = 200;
/** Likely-legitimate messages kept for the digest beyond the newest `maxListed` (the count stays exact). */
export const MAX_HINTED_KEPT = 100;
/** Upper bound kept of any mail string: bounds memory; the digest caps far lower for display. */
export const MAX_MAIL_STRING = 1000;

export interface CollectOptions {
  /** Newest Junk UIDs whose dates and sizes are read (weekly counts, newest list). Default 5000. */
  scanCap?: number;
  /** Messages per folder whose envelopes feed the known-correspondent hints. Default 1000. */
  knownCap?: number;
  /** How far back a correspondent counts as known. Default 30 days. */
  knownDays?: number;
  /** UIDs per ENVELOPE fetch while computing hints. Default HINT_PAGE. */
  hintPage?: number;
}

export interface CollectInput {
  client: ImapFlow;
  mailbox: MailboxConfig;
  clock: Clock;
  previous?: ReviewRecord;
  options?: CollectOptions;
}

export type CollectOutcome =
  { ok: true; collection: ReviewCollection } | { ok: false; code: 'JUNK_NOT_FOUND'; message: string };

function bounded(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_MAIL_STRING) : '';
}

function dateOf(m: FetchMessageObject): Date {
  return m.internalDate instanceof Date ? m.internalDate : new Date(m.internalDate ?? NaN);
}

/** Who the desk corresponded with lately: Inbox senders and Sent Items recipients, minus the desk's own domain. */
async function knownCorrespondents(
  client: ImapFlow,
  folders: Array<{ path: string; fields: Array<'from' | 'to' | 'cc' | 'bcc'> }>,
  since: Date,
  cap: number,
  ownAddress: string,
): Promise<KnownCorrespondents> {
  const addresses = new Set<string>();
  const domains = new Set<string>();
  // A spammer forging the desk's own domain is the classic Junk case: that domain is no evidence of legitimacy.
  const own = domainOf(ownAddress.toLowerCase());
  for (const folder of folders) {
    const box = await client.mailboxOpen(folder.path, { readOnly: true });
    if (box.exists === 0) continue;
    // SEARCH SINCE compares dates (server time zone): search a day early, then compare INTERNALDATE exactly.
    const found = await client.search({ since: new Date(since.getTime() - DAY_MS) }, { uid: true });
    const uids = Array.isArray(found) ? [...found].sort((a, b) => a - b).slice(-cap) : [];
    if (uids.length === 0) continue;
    for await (const m of fetchByUid(client, uids, { envelope: true, internalDate: true })) {
      if (dateOf(m) < since) continue;
      const people: MessageAddressObject[] = folder.fields.flatMap((f) => m.envelope?.[f] ?? []);
      for (const p of people) {
        const address = bounded(p.address).trim().toLowerCase();
        const domain = domainOf(address);
        if (!domain || address === ownAddress.toLowerCase()) continue;
        addresses.add(address);
        if (domain !== own) domains.add(domain);
      }
    }
  }
  return { addresses, domains };
}

export async function collectReview(input: CollectInput): Promise<CollectOutcome> {
  const { client, mailbox, clock, previous } = input;
  const scanCap = input.options?.scanCap ?? 5000;
  const knownCap = input.options?.knownCap ?? 1000;
  const knownDays = input.options?.knownDays ?? 30;
  const hintPage = Math.max(1, input.options?.hintPage ?? HINT_PAGE);
  const now = clock.now();
  const ticketPattern = compileUserPattern(mailbox.spamReview.ticketPattern);

  // The same finder as the checks, on the same session's folder list: the review and the checks agree.
  const junkFound = await findFolder(client, 'junk', mailbox);
  if (!junkFound.found) return { ok: false, code: 'JUNK_NOT_FOUND', message: junkFound.summary };
  const sentFound = await findFolder(client, 'sent', mailbox);
  const junk = { path: junkFound.path, foundBy: junkFound.foundBy };
  const sent = sentFound.found ? { path: sentFound.path, foundBy: sentFound.foundBy } : undefined;

  const knownFolders: Array<{ path: string; fields: Array<'from' | 'to' | 'cc' | 'bcc'> }> = [
    { path: mailbox.folders.inbox, fields: ['from'] },
  ];
  if (sent) knownFolders.push({ path: sent.path, fields: ['to', 'cc', 'bcc'] });
  const known = await knownCorrespondents(
    client,
    knownFolders,
    new Date(now.getTime() - knownDays * DAY_MS),
    knownCap,
    mailbox.address,
  );

  const box = await client.mailboxOpen(junk.path, { readOnly: true });
  const junkCount = box.exists;
  const weeks = lastWeeks(now, REVIEW_WEEKS);
  const counted = new Map<string, number>();
  const lastReview = previous?.lastReviewAt ? new Date(previous.lastReviewAt) : undefined;
  let newSinceReview = lastReview ? 0 : junkCount;
  let scanTruncated = false;
  const listed: JunkItem[] = [];
  let hintsScanned = 0;
  let likelyLegitimate = 0;

  if (junkCount > 0) {
    // The newest `scanCap` messages by sequence number (sequence order is UID order, RFC 3501 §2.3.1.2): no
    // SEARCH ALL listing every UID of a big folder, one bounded FETCH.
    scanTruncated = junkCount > scanCap;
    const first = Math.max(1, junkCount - scanCap + 1);
    const dated: Array<{ uid: number; at: Date; size: number }> = [];
    for await (const m of client.fetch(`${first}:*`, { uid: true, internalDate: true, size: true })) {
      dated.push({ uid: m.uid, at: dateOf(m), size: m.size ?? 0 });
    }
    for (const d of dated) {
      const key = weekKey(d.at);
      if (weeks.includes(key)) counted.set(key, (counted.get(key) ?? 0) + 1);
      if (lastReview && d.at > lastReview) newSinceReview++;
    }
    // Newest by arrival time (INTERNALDATE); UID order breaks ties. Mails moved into Junk keep their old date.
    dated.sort((a, b) => b.at.getTime() - a.at.getTime() || b.uid - a.uid);
    const newest = new Set(dated.slice(0, mailbox.spamReview.maxListed).map((d) => d.uid));
    // Hints are computed over every message since the last review (all scanned ones when there was none), not
    // only the newest: an older real customer mail in a busy Junk folder must still be pointed out.
    const candidates = dated.filter((d) => !lastReview || d.at > lastReview || newest.has(d.uid));
    hintsScanned = candidates.length;
    const byUid = new Map(candidates.map((d) => [d.uid, d]));
    const uids = candidates.map((d) => d.uid);
    // Headers only (ENVELOPE and the anti-spam headers Exchange stamped, BODY.PEEK so nothing is marked read),
    // one page of UIDs per FETCH, each command within 8 KB (mail/uid-sets.ts): only kept items stay in memory.
    const query = { envelope: true, headers: [...ANTISPAM_HEADER_FIELDS] };
    for await (const m of fetchByUid(client, uids, query, { maxUids: hintPage })) {
      const d = byUid.get(m.uid);
      if (!d) continue;
      const from = m.envelope?.from?.[0] ?? m.envelope?.sender?.[0];
      const senderAddress = bounded(from?.address);
      const subject = bounded(m.envelope?.subject);
      const verdict = microsoftVerdict(m.headers);
      const { hints, ticket } = hintsFor(senderAddress, subject, known, ticketPattern, verdict);
      if (hints.length > 0) likelyLegitimate++;
      const keep = newest.has(m.uid) || (hints.length > 0 && likelyLegitimate <= MAX_HINTED_KEPT);
      if (!keep) continue;
      listed.push({
        uid: m.uid,
        received: d.at.toISOString(),
        senderName: bounded(from?.name),
        senderAddress,
        subject,
        sizeBytes: d.size,
        hints,
        ...(verdict ? { verdict } : {}),
        ...(ticket !== undefined ? { ticket: bounded(ticket) } : {}),
        ...(m.envelope?.messageId ? { messageId: bounded(m.envelope.messageId) } : {}),
      });
    }
    // ISO 8601 instants of one format order as text (no ICU collator needed).
    listed.sort((a, b) => (b.received < a.received ? -1 : b.received > a.received ? 1 : 0) || b.uid - a.uid);
  }

  return {
    ok: true,
    collection: {
      mailbox: mailbox.id,
      junkFolder: junk,
      ...(box.uidValidity !== undefined ? { junkUidValidity: String(box.uidValidity) } : {}),
      ...(sent ? { sentFolder: sent } : {}),
      collectedAt: now.toISOString(),
      ...(previous?.lastReviewAt ? { lastReviewAt: previous.lastReviewAt } : {}),
      junkCount,
      newSinceReview,
      scanTruncated,
      listed,
      hintsScanned,
      likelyLegitimate,
      weekly: mergeWeekly(weeks, counted, previous?.weeklyJunk ?? []),
      knownDomains: known.domains.size,
    },
  };
}
