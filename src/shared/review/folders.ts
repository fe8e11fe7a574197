/**
 * Finds the Junk and Sent folders: the configured name when set, SPECIAL-USE (RFC 6154) when the server advertises
 * it, else by name. Exchange Online (reportedly) advertises no SPECIAL-USE and names folders in the mailbox
 * language, so the name lists come from the config; imapflow's own name guess is the last resort.
 */
import type { ImapFlow, ListResponse } from 'imapflow';
import type { MailboxConfig } from '../config/load.js';
import type { FolderFoundBy } from './types.js';

export const SENT_NAMES = ['Sent Items', 'Sent', 'Sent Messages'] as const;

export interface FoundFolder {
  path: string;
  foundBy: FolderFoundBy;
}

function byName(folders: readonly ListResponse[], names: readonly string[]): ListResponse | undefined {
  for (const name of names) {
    const n = name.toLowerCase();
    const hit = folders.find((f) => f.path.toLowerCase() === n || f.name.toLowerCase() === n);
    if (hit) return hit;
  }
  return undefined;
}

export function pickFolder(
  folders: readonly ListResponse[],
  serverSpecialUse: boolean,
  use: '\\Junk' | '\\Sent',
  configured: string,
  names: readonly string[],
): FoundFolder | undefined {
  if (configured !== 'auto') {
    const hit = folders.find((f) => f.path === configured);
    return hit ? { path: hit.path, foundBy: 'config' } : undefined;
  }
  if (serverSpecialUse) {
    const hit = folders.find((f) => f.specialUse === use && f.specialUseSource === 'extension');
    if (hit) return { path: hit.path, foundBy: 'special-use' };
  }
  const named = byName(folders, names) ?? folders.find((f) => f.specialUse === use);
  return named ? { path: named.path, foundBy: 'name' } : undefined;
}

export async function findReviewFolders(
  client: ImapFlow,
  mailbox: MailboxConfig,
): Promise<{ junk?: FoundFolder; sent?: FoundFolder }> {
  const folders = await client.list();
  const su = client.capabilities.has('SPECIAL-USE');
  const junk = pickFolder(folders, su, '\\Junk', mailbox.folders.junk, mailbox.junk.names);
  const sent = pickFolder(folders, su, '\\Sent', mailbox.folders.sent, SENT_NAMES);
  return { ...(junk ? { junk } : {}), ...(sent ? { sent } : {}) };
}
