/**
 * Reads what a mailbox sent from its Sent Items over the run's IMAP session (Exchange saves every message sent
 * over SMTP AUTH there — docs/exchange-online.md "Limits"). Read-only: EXAMINE and FETCH ENVELOPE, never a flag change. The folder comes from the
 * one folder finder (mail/folder-finder.ts).
 *
 * Incremental: with a watermark of the same UIDVALIDITY only UIDs above the last one are fetched. Without one, or
 * after UIDVALIDITY changed (folder recreated), the last 24 h are recounted (SEARCH SINCE, then exact dates).
 * Either way the UIDs are read in bounded pages (mail/uid-sets.ts: at most a few thousand UIDs and 8 KB per
 * command — Exchange answers `BAD` to longer commands), and no page is started that the deadline cannot fit:
 * what was read is a consistent prefix, and the next run continues from it.
 */
import type { FetchMessageObject, ImapFlow, MessageAddressObject } from 'imapflow';
import type { MailboxConfig } from '../config/load.js';
import { findFolder, type FolderFoundBy, type FolderNotFound } from '../mail/folder-finder.js';
import { DEFAULT_UIDS_PER_COMMAND, uidSetChunks } from '../mail/uid-sets.js';
import type { LedgerWatermarkEntity } from '../state/ports.js';
import type { SentMessage } from './ledger.js';
import { DAY_MS } from './window.js';

export type FoundBy = FolderFoundBy;

/** Recipients as Exchange counts them: every To, Cc and Bcc address of the message, duplicates included. */
export function countRecipients(env: FetchMessageObject['envelope']): number {
  const n = (list?: MessageAddressObject[]) => (list ?? []).filter((a) => !!a.address).length;
  return n(env?.to) + n(env?.cc) + n(env?.bcc);
}

export interface SentScan {
  folder: string;
  foundBy: FoundBy;
  language?: string;
  uidValidity: number;
  /**
   * Everything up to this UID has been seen: UIDNEXT − 1 at EXAMINE, or less when the deadline stopped the
   * paging early (`partial`): the next run goes on from here.
   */
  lastUidSeen: number;
  mode: 'incremental' | 'recount';
  /** Why a recount happened. */
  reason?: 'no-watermark' | 'uidvalidity-changed' | 'folder-changed';
  messages: SentMessage[];
  /** The deadline came before every page was read; `pendingMessages` UIDs are left for the next run. */
  partial?: { pendingMessages: number };
  /** FETCH commands sent (one per page). */
  pages: number;
}

export interface ScanOptions {
  /** UIDs per FETCH (default DEFAULT_UIDS_PER_COMMAND): bounds one reply and one command's time. */
  maxUidsPerCommand?: number;
  /** The mailbox run's deadline: no new page is started when too little time is left for it. */
  deadline?: { remainingMs(): number };
}

/** Time kept free for the ledger write and the checks after this one, at least. */
const RESERVE_MS = 2000;

function dateOf(m: FetchMessageObject): Date {
  const internal =
    m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : undefined;
  return internal && !Number.isNaN(internal.getTime()) ? internal : (m.envelope?.date ?? new Date(NaN));
}

export async function scanSentItems(
  client: ImapFlow,
  mailbox: Pick<MailboxConfig, 'folders'>,
  watermark: LedgerWatermarkEntity | undefined,
  now: Date,
  options: ScanOptions = {},
): Promise<SentScan | FolderNotFound> {
  const found = await findFolder(client, 'sent', mailbox);
  if (!found.found) return found;
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
  const mode = reason ? ('recount' as const) : ('incremental' as const);
  const base = {
    folder: found.path,
    foundBy: found.foundBy,
    ...(found.language ? { language: found.language } : {}),
    uidValidity,
    lastUidSeen,
    mode,
    ...(reason ? { reason } : {}),
    pages: 0,
  };
  if (box.exists === 0) return { ...base, messages: [] };
  const maxUids = options.maxUidsPerCommand ?? DEFAULT_UIDS_PER_COMMAND;

  // The UIDs to read, as bounded pages (each one command of at most maxUids UIDs and 8 KB).
  let pages: string[];
  let since: number | undefined;
  if (reason) {
    since = now.getTime() - DAY_MS;
    // SEARCH SINCE compares dates only, in the server's time zone: ask a day early, compare exactly below.
    const uids = await client.search({ since: new Date(since - DAY_MS) }, { uid: true });
    pages = Array.isArray(uids) ? uidSetChunks(uids, { maxUids }) : [];
  } else {
    const from = watermark!.lastUid + 1;
    if (from > lastUidSeen) return { ...base, messages: [] };
    if (lastUidSeen - from < maxUids) {
      // A short range needs no SEARCH; an explicit end avoids `n:*` matching the last UID below n (RFC 3501).
      pages = [`${from}:${lastUidSeen}`];
    } else {
      const uids = await client.search({ uid: `${from}:${lastUidSeen}` }, { uid: true });
      pages = Array.isArray(uids) ? uidSetChunks(uids, { maxUids }) : [];
    }
  }

  const messages: SentMessage[] = [];
  let slowestMs = 0;
  let done = 0;
  let partial: SentScan['partial'];
  let seenUpTo = lastUidSeen;
  for (const page of pages) {
    const left = options.deadline?.remainingMs();
    if (left !== undefined && left < RESERVE_MS + 2 * slowestMs) {
      // Counted so far is a consistent prefix: the watermark stops just below this page.
      seenUpTo = firstUid(page) - 1;
      const pending = pages.slice(done).reduce((n, p) => n + uidsIn(p), 0);
      partial = { pendingMessages: pending };
      break;
    }
    for await (const m of client.fetch(
      page,
      { uid: true, envelope: true, internalDate: true },
      { uid: true },
    )) {
      if (!reason && m.uid <= watermark!.lastUid) continue;
      const date = dateOf(m);
      if (since !== undefined && !(date.getTime() > since)) continue;
      messages.push({ uid: m.uid, date, recipients: countRecipients(m.envelope) });
    }
    const after = options.deadline?.remainingMs();
    if (left !== undefined && after !== undefined) slowestMs = Math.max(slowestMs, left - after);
    done++;
  }
  messages.sort((a, b) => a.uid - b.uid);
  return { ...base, lastUidSeen: seenUpTo, messages, pages: done, ...(partial ? { partial } : {}) };
}

function firstUid(set: string): number {
  return Number(/^\d+/.exec(set)![0]);
}

function uidsIn(set: string): number {
  let n = 0;
  for (const part of set.split(',')) {
    const [a, b] = part.split(':').map(Number);
    n += b === undefined ? 1 : b - a! + 1;
  }
  return n;
}
