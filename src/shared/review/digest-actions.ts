/**
 * The digest's buttons: a "Move to <fetched folder>" link per listed Junk message and one "Move all likely
 * legitimate (N)" link for the messages with hints, each a signed single-use link (actions/issue.ts); and last
 * week's releases, read back from the `actions` audit rows, so the next digest says what was moved and by whom.
 */
import type { LinkIssuer } from '../actions/issue.js';
import { MAX_LINK_ITEMS, type LinkItem } from '../actions/link.js';
import type { ActionEntity } from '../state/ports.js';
import type { JunkItem, ReviewCollection } from './types.js';

export interface DigestActions {
  /** The folder the buttons move to (the fetched folder). */
  destination: string;
  /** Listed UID → its link. */
  perItem: Map<number, string>;
  /** One link for the likely-legitimate messages (at most MAX_LINK_ITEMS, newest first). */
  allLikely?: { url: string; count: number };
}

/** A release done since the last review, for the digest's "moved from Junk" list. */
export interface ReleaseView {
  at: string;
  subject: string;
  from: string;
  user?: string;
  outcome: string;
}

const linkItem = (i: JunkItem): LinkItem => ({
  uid: i.uid,
  messageId: i.messageId ?? '',
  subject: i.subject,
  from: i.senderAddress,
});

export function digestActions(
  issuer: LinkIssuer | undefined,
  collection: ReviewCollection,
  destination: string,
): DigestActions | undefined {
  const uidValidity = collection.junkUidValidity;
  if (!issuer || !uidValidity || collection.listed.length === 0) return undefined;
  const base = {
    action: 'release' as const,
    mailbox: collection.mailbox,
    folder: collection.junkFolder.path,
    uidValidity,
  };
  const perItem = new Map(
    collection.listed.map((i) => [i.uid, issuer.url({ ...base, items: [linkItem(i)] })]),
  );
  const likely = collection.listed.filter((i) => i.hints.length > 0).slice(0, MAX_LINK_ITEMS);
  return {
    destination,
    perItem,
    ...(likely.length > 0
      ? { allLikely: { url: issuer.url({ ...base, items: likely.map(linkItem) }), count: likely.length } }
      : {}),
  };
}

/** The moved messages of the releases (one row per message that reached the fetched folder). */
export function releaseViews(rows: readonly ActionEntity[]): ReleaseView[] {
  return rows.flatMap((r) =>
    r.items
      .filter((i) => i.outcome === 'moved')
      .map((i) => ({
        at: r.finishedAt ?? r.claimedAt,
        subject: i.subject,
        from: i.from,
        outcome: `moved to ${r.destination}`,
        ...(r.user ? { user: r.user } : {}),
      })),
  );
}
