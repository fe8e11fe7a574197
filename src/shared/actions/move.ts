/**
 * The move an action link asks for, on an authenticated imapflow client (the mailbox's one IMAP connection):
 *
 * 1. The server must offer MOVE (RFC 6851). Without it imapflow would fall back to COPY + \Deleted + EXPUNGE, and
 *    that EXPUNGE also removes every other message someone marked \Deleted — so without MOVE nothing moves.
 * 2. The destination is found by the folder finder (mail/folder-finder.ts `findNamedFolder`: INBOX in any case,
 *    the namespace prefix, Exchange's case-insensitive names) and created when missing — only for
 *    `move-oversized`; a missing fetched folder moves nothing (IMAP_FOLDER_MISSING).
 * 3. The source folder is SELECTed. When its UIDVALIDITY is still the signed one and the UID still carries the
 *    signed Message-ID, that UID is moved; otherwise the message is looked up by Message-ID in the source folder
 *    (UIDs are only meaningful with their UIDVALIDITY, RFC 3501 §2.3.1.1).
 * 4. After the moves the destination is EXAMINEd and each message looked up by Message-ID: "moved" means it
 *    arrived. A message found in neither folder's expected place is reported as such, never guessed.
 *
 * SEARCH HEADER matches substrings (RFC 3501 §6.4.4), so every hit is confirmed by its ENVELOPE Message-ID.
 */
import type { ImapFlow } from 'imapflow';
import { findNamedFolder, listFolders } from '../mail/folder-finder.js';
import { fetchByUid } from '../mail/uid-sets.js';
import type { ActionItemOutcome } from '../state/ports.js';
import type { DestinationSpec } from './destination.js';
import type { ActionLink } from './link.js';

export class MoveUnsupportedError extends Error {
  readonly code = 'IMAP_NO_MOVE';
  constructor() {
    super('the server does not offer MOVE (RFC 6851); nothing was moved');
    this.name = 'MoveUnsupportedError';
  }
}

export interface MovedItem {
  uid: number;
  messageId: string;
  outcome: ActionItemOutcome;
}

export interface MoveReport {
  items: MovedItem[];
  /** The source folder's UIDVALIDITY no longer matched the link (UIDs were found again by Message-ID). */
  uidValidityChanged: boolean;
  /** The destination's path as the server lists it. */
  destination: string;
}

const sameId = (a: string | undefined, b: string) => !!a && a.trim() === b.trim();

/** UIDs in the selected folder whose ENVELOPE Message-ID is exactly `messageId`. */
async function findByMessageId(client: ImapFlow, messageId: string): Promise<number[]> {
  if (!messageId) return [];
  const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
  const uids = Array.isArray(found) ? found : [];
  if (uids.length === 0) return [];
  const exact: number[] = [];
  for await (const m of fetchByUid(client, uids, { envelope: true }))
    if (sameId(m.envelope?.messageId, messageId)) exact.push(m.uid);
  return exact.sort((a, b) => a - b);
}

export interface MoveHooks {
  /** Called once, just before the first MOVE command is sent (from then on the claim may not be retried). */
  beforeFirstMove?: () => Promise<void> | void;
}

export async function moveLinkedMessages(
  client: ImapFlow,
  link: ActionLink,
  to: DestinationSpec,
  hooks: MoveHooks = {},
): Promise<MoveReport> {
  if (!client.capabilities.has('MOVE')) throw new MoveUnsupportedError();
  const { path: destination } = await findNamedFolder(client, to.name, to);

  const folders = await listFolders(client);
  const items: MovedItem[] = link.items.map((i) => ({
    uid: i.uid,
    messageId: i.messageId,
    outcome: 'pending',
  }));
  let uidValidityChanged = false;
  const movedWithoutId = new Set<number>();

  if (folders.some((f) => f.path === link.folder)) {
    const box = await client.mailboxOpen(link.folder, { readOnly: false });
    uidValidityChanged = String(box.uidValidity) !== link.uidValidity;
    let announced = false;
    for (const item of items) {
      let uid: number | undefined;
      if (!uidValidityChanged && box.exists > 0) {
        const m = await client.fetchOne(String(item.uid), { uid: true, envelope: true }, { uid: true });
        if (m && (item.messageId === '' || sameId(m.envelope?.messageId, item.messageId))) uid = m.uid;
      }
      if (uid === undefined && box.exists > 0) uid = (await findByMessageId(client, item.messageId))[0];
      if (uid === undefined) continue; // not in the source folder (any more): looked for in the destination below
      if (!announced) {
        announced = true;
        await hooks.beforeFirstMove?.();
      }
      const res = await client.messageMove(String(uid), destination, { uid: true });
      const map = res && typeof res === 'object' ? res.uidMap : undefined;
      item.outcome = 'moved';
      if (!item.messageId && map?.has(uid)) movedWithoutId.add(item.uid);
    }
  }

  // Confirm by Message-ID that each moved message arrived; find the ones that were already there.
  await client.mailboxOpen(destination, { readOnly: true });
  for (const item of items) {
    if (!item.messageId) {
      item.outcome = movedWithoutId.has(item.uid)
        ? 'moved'
        : item.outcome === 'moved'
          ? 'failed'
          : 'not-found';
      continue;
    }
    const there = (await findByMessageId(client, item.messageId)).length > 0;
    if (item.outcome === 'moved') item.outcome = there ? 'moved' : 'failed';
    else item.outcome = there ? 'already-there' : 'not-found';
  }
  return { items, uidValidityChanged, destination };
}
