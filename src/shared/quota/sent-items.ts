/**
 * Reads what a mailbox sent from its Sent Items over the run's IMAP session (Exchange saves every message sent
 * over SMTP AUTH there — docs/exchange-online.md "Limits"). Read-only: EXAMINE and FETCH ENVELOPE, never a flag change.
 *
 * Incremental: with a watermark of the same UIDVALIDITY only UIDs above the last one are fetched. Without one, or
 * after UIDVALIDITY changed (folder recreated), the last 24 h are recounted (SEARCH SINCE, then exact dates).
 */
import type { FetchMessageObject, ImapFlow, ListResponse, MessageAddressObject } from 'imapflow';
import type { MailboxConfig } from '../config/load.js';
import type { LedgerWatermarkEntity } from '../state/ports.js';
import type { SentMessage } from './ledger.js';
import { DAY_MS } from './window.js';

/** Exchange Online names it "Sent Items"; other servers "Sent". Localised names go in `folders.sent`. */
export const SENT_NAMES = ['Sent Items', 'Sent', 'Sent Messages'];

export type FoundBy = 'config' | 'special-use' | 'name';

export async function findSentFolder(
  client: ImapFlow,
  mailbox: Pick<MailboxConfig, 'folders'>,
): Promise<{ path: string; foundBy: FoundBy } | undefined> {
  const folders: ListResponse[] = await client.list();
  const configured = mailbox.folders.sent;
  if (configured !== 'auto') {
    const hit = folders.find((f) => f.path === configured);
    return hit ? { path: hit.path, foundBy: 'config' } : undefined;
  }
  const special = folders.find((f) => f.specialUse === '\\Sent' && f.specialUseSource === 'extension');
  if (special) return { path: special.path, foundBy: 'special-use' };
  for (const name of SENT_NAMES) {
    const hit = folders.find((f) => f.path.toLowerCase() === name.toLowerCase());
    if (hit) return { path: hit.path, foundBy: 'name' };
  }
  return undefined;
}

/** Recipients as Exchange counts them: every To, Cc and Bcc address of the message, duplicates included. */
export function countRecipients(env: FetchMessageObject['envelope']): number {
  const n = (list?: MessageAddressObject[]) => (list ?? []).filter((a) => !!a.address).length;
  return n(env?.to) + n(env?.cc) + n(env?.bcc);
}

export interface SentScan {
  folder: string;
  foundBy: FoundBy;
  uidValidity: number;
  /** UIDNEXT − 1 at EXAMINE: everything up to here has been seen. */
  lastUidSeen: number;
  mode: 'incremental' | 'recount';
  /** Why a recount happened. */
  reason?: 'no-watermark' | 'uidvalidity-changed' | 'folder-changed';
  messages: SentMessage[];
}

export async function scanSentItems(
  client: ImapFlow,
  mailbox: Pick<MailboxConfig, 'folders'>,
  watermark: LedgerWatermarkEntity | undefined,
  now: Date,
): Promise<SentScan | { notFound: true; tried: string[] }> {
  const found = await findSentFolder(client, mailbox);
  if (!found)
    return { notFound: true, tried: mailbox.folders.sent !== 'auto' ? [mailbox.folders.sent] : SENT_NAMES };
  const box = await client.mailboxOpen(found.path, { readOnly: true });
  const uidValidity = Number(box.uidValidity);
  const lastUidSeen = Math.max(0, (box.uidNext ?? 1) - 1);
  const reason = !watermark
    ? ('no-watermark' as const)
    : watermark.uidValidity !== uidValidity
      ? ('uidvalidity-changed' as const)
      : watermark.folder !== found.path
        ? ('folder-changed' as const)
        : undefined;
  const base = { folder: found.path, foundBy: found.foundBy, uidValidity, lastUidSeen };
  if (box.exists === 0)
    return { ...base, mode: reason ? 'recount' : 'incremental', ...(reason ? { reason } : {}), messages: [] };

  let range: string;
  let since: number | undefined;
  if (reason) {
    since = now.getTime() - DAY_MS;
    // SEARCH SINCE compares dates only, in the server's time zone: ask a day early, compare exactly below.
    const uids = await client.search({ since: new Date(since - DAY_MS) }, { uid: true });
    if (!Array.isArray(uids) || uids.length === 0) return { ...base, mode: 'recount', reason, messages: [] };
    range = uids.join(',');
  } else {
    if (watermark!.lastUid >= lastUidSeen) return { ...base, mode: 'incremental', messages: [] };
    range = `${watermark!.lastUid + 1}:*`;
  }
  const messages: SentMessage[] = [];
  // Collected first, counted after: no other IMAP command may run while a FETCH is streaming.
  for await (const m of client.fetch(
    range,
    { uid: true, envelope: true, internalDate: true },
    { uid: true },
  )) {
    // `n:*` always includes the highest UID even when it is below n (RFC 3501): filter again.
    if (!reason && m.uid <= watermark!.lastUid) continue;
    const internal =
      m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : undefined;
    const date =
      internal && !Number.isNaN(internal.getTime()) ? internal : (m.envelope?.date ?? new Date(NaN));
    if (since !== undefined && !(date.getTime() > since)) continue;
    messages.push({ uid: m.uid, date, recipients: countRecipients(m.envelope) });
  }
  messages.sort((a, b) => a.uid - b.uid);
  return { ...base, mode: reason ? 'recount' : 'incremental', ...(reason ? { reason } : {}), messages };
}
