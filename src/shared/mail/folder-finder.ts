/**
 * The one folder finder: every check, the spam review, the opt-in moves and `doctor` find the Junk and Sent
 * folders here, so they never disagree. Order:
 *
 *   1. the configured name (`folders.junk` / `folders.sent` other than "auto") — must exist, else not found;
 *   2. SPECIAL-USE (RFC 6154) when the server advertises it (Exchange Online, reportedly, does not);
 *   3. by name: `junk.names` from the configuration, then Exchange's localized names (./folder-names.ts), then
 *      the names other servers use;
 *   4. not found → the caller reports UNKNOWN naming the folders that exist and the config key to set.
 *
 * The folder list is read once per IMAP session (one `LIST "" "*"`, no LSUB — subscriptions do not matter to
 * the monitor) and reused by every later caller on the same connection.
 */
import type { ImapFlow, ListResponse } from 'imapflow';
import type { MailboxConfig } from '../config/load.js';
import { cleanText } from '../report/escape.js';
import { foldName, knownNames, SPECIAL_USE, type FolderRole } from './folder-names.js';

export type { FolderRole } from './folder-names.js';
export type FolderFoundBy = 'config' | 'special-use' | 'name';

/** The parts of a mailbox's configuration the finder reads. */
export type FolderConfig = Pick<MailboxConfig, 'folders'> & { junk?: Pick<MailboxConfig['junk'], 'names'> };

export interface FolderFound {
  found: true;
  role: FolderRole;
  /** The folder's full path, as the server spells it. */
  path: string;
  foundBy: FolderFoundBy;
  /** The language of the table entry that matched (foundBy "name" only). */
  language?: string;
}

export interface FolderNotFound {
  found: false;
  role: FolderRole;
  /** The setting that fixes it: `folders.junk` or `folders.sent`. */
  configKey: `folders.${FolderRole}`;
  /** The configured name that does not exist, when one was configured. */
  configured?: string;
  /** The folders that do exist (cleaned server text, at most MAX_LISTED). */
  existing: string[];
  /** How many folders exist in all. */
  existingCount: number;
  /** One line for a result summary. */
  summary: string;
  remediation: { cause: string; fix: string };
}

export type FolderResult = FolderFound | FolderNotFound;

const ROLE_NAME: Record<FolderRole, string> = { junk: 'Junk', sent: 'Sent Items' };
/** Folder names listed in a "not found" summary. */
const MAX_LISTED = 15;

const cache = new WeakMap<ImapFlow, Promise<ListResponse[]>>();

/** The session's folder list: one LIST per connection, shared by every caller (no LSUB, no STATUS). */
export function listFolders(client: ImapFlow): Promise<ListResponse[]> {
  let list = cache.get(client);
  if (!list) {
    // `listOnly` (imapflow ≥ 1.7, not in its typings): LIST alone, without the LSUB that follows by default.
    list = client.list({ listOnly: true } as Parameters<ImapFlow['list']>[0]);
    // A failed LIST is not remembered: the next caller on a usable connection may try again.
    list.catch(() => cache.delete(client));
    cache.set(client, list);
  }
  return list;
}

/** Call after creating a folder on this connection (the opt-in move): the next lookup lists again. */
export function forgetFolders(client: ImapFlow): void {
  cache.delete(client);
}

/** Pure part of the finder: picks the folder of `role` from a folder list. */
export function pickFolder(
  folders: readonly ListResponse[],
  serverSpecialUse: boolean,
  role: FolderRole,
  config: FolderConfig,
): FolderResult {
  const configured = config.folders[role];
  if (configured !== 'auto') {
    // The configured name is exact: a near miss would silently watch the wrong folder.
    const hit = folders.find((f) => f.path === configured);
    if (hit) return { found: true, role, path: hit.path, foundBy: 'config' };
    return notFound(folders, role, configured);
  }
  if (serverSpecialUse) {
    // The server's own LIST attribute (RFC 6154 §2), not a guess from the name.
    const hit = folders.find((f) => f.flags.has(SPECIAL_USE[role]));
    if (hit) return { found: true, role, path: hit.path, foundBy: 'special-use' };
  }
  const extra = role === 'junk' ? (config.junk?.names ?? []).map((name) => ({ name })) : [];
  const candidates: Array<{ name: string; language?: string }> = [...extra, ...knownNames(role)];
  const byPath = new Map(folders.map((f) => [foldName(f.path), f]));
  // A top-level folder of that name first (Exchange's special folders are top-level), then any folder whose
  // last path part has it (servers that put folders under INBOX, e.g. "INBOX.Junk").
  for (const c of candidates) {
    const hit = byPath.get(foldName(c.name));
    if (hit) return found(role, hit, c.language);
  }
  for (const c of candidates) {
    const hit = folders.find((f) => foldName(f.name) === foldName(c.name));
    if (hit) return found(role, hit, c.language);
  }
  return notFound(folders, role);
}

function found(role: FolderRole, f: ListResponse, language: string | undefined): FolderFound {
  return { found: true, role, path: f.path, foundBy: 'name', ...(language ? { language } : {}) };
}

function notFound(folders: readonly ListResponse[], role: FolderRole, configured?: string): FolderNotFound {
  const configKey = `folders.${role}` as const;
  const existing = folders.slice(0, MAX_LISTED).map((f) => cleanText(f.path, 60));
  const more = folders.length > existing.length ? `, … (${folders.length} in all)` : '';
  const have = existing.length ? existing.map((p) => `"${p}"`).join(', ') + more : 'none';
  const what = ROLE_NAME[role];
  const summary = configured
    ? `${what} folder "${cleanText(configured, 60)}" (${configKey}) does not exist; folders: ${have}`
    : `${what} folder not found (no SPECIAL-USE, no known name); folders: ${have}`;
  return {
    found: false,
    role,
    configKey,
    ...(configured ? { configured } : {}),
    existing,
    existingCount: folders.length,
    summary,
    remediation: configured
      ? {
          cause: `the folder named in ${configKey} is not in the mailbox`,
          fix: `set ${configKey} to the exact name of the ${what} folder among those listed, or to "auto"`,
        }
      : {
          cause: `the server advertises no SPECIAL-USE ${SPECIAL_USE[role]} folder and no folder has a known ${what} name in the mailbox language`,
          fix: `set ${configKey} to the name of the ${what} folder among those listed (Exchange names it in the mailbox language)`,
        },
  };
}

/**
 * Finds the folder of `role` on an authenticated session: configured name → SPECIAL-USE → localized names.
 * Reads the folder list once per session; never changes anything.
 */
export async function findFolder(
  client: ImapFlow,
  role: FolderRole,
  config: FolderConfig,
): Promise<FolderResult> {
  const folders = await listFolders(client);
  return pickFolder(folders, client.capabilities.has('SPECIAL-USE'), role, config);
}

/**
 * A folder the configuration names: the fetched folder (`folders.inbox`, where a release moves to) or the
 * oversized-mail folder (`inbox.moveOversizedTo`, or the default the monitor creates). Neither has a SPECIAL-USE
 * attribute (RFC 6154 defines none for them) or a localized name (INBOX is INBOX in every language, RFC 3501 §5.1;
 * the oversized folder is the admin's own), so the order is:
 *
 *   1. INBOX in any case (RFC 3501 §5.1: case-insensitive);
 *   2. the exact path, then the path under the personal namespace prefix (a server that keeps folders under
 *      "INBOX." lists "Too large for ESM" as "INBOX.Too large for ESM", RFC 2342);
 *   3. the same, compared case-insensitively: Exchange folder names are (a folder "Too Large For ESM" is the same
 *      folder there, and creating the other spelling would fail or, on another server, split the mail in two).
 */
export function pickNamedFolder(
  folders: readonly ListResponse[],
  name: string,
  namespacePrefix = '',
): string | undefined {
  if (foldName(name) === 'inbox') return folders.find((f) => foldName(f.path) === 'inbox')?.path ?? 'INBOX';
  const wanted =
    namespacePrefix && !name.startsWith(namespacePrefix) ? [name, namespacePrefix + name] : [name];
  for (const w of wanted) {
    const hit = folders.find((f) => f.path === w);
    if (hit) return hit.path;
  }
  for (const w of wanted) {
    const hit = folders.find((f) => foldName(f.path) === foldName(w));
    if (hit) return hit.path;
  }
  return undefined;
}

/** A named folder that does not exist (and was not to be created): the caller's fault code and summary. */
export class NamedFolderMissingError extends Error {
  readonly code = 'IMAP_FOLDER_MISSING';
  constructor(
    readonly folder: string,
    readonly configKey: string,
  ) {
    super(
      `folder "${cleanText(folder, 60)}" (${configKey}) does not exist in the mailbox; nothing was moved`,
    );
    this.name = 'NamedFolderMissingError';
  }
}

function namespacePrefix(client: ImapFlow): string {
  // imapflow keeps the personal namespace (RFC 2342 NAMESPACE) on the client; not in its typings.
  const ns = (client as unknown as { namespace?: { prefix?: unknown } }).namespace;
  return typeof ns?.prefix === 'string' ? ns.prefix : '';
}

/**
 * Finds a named folder on an authenticated session; with `create`, creates it when it is missing (CREATE, then
 * lists again to learn the path the server gave it). Only the opt-in moves call this with `create`.
 */
export async function findNamedFolder(
  client: ImapFlow,
  name: string,
  opts: { configKey: string; create: boolean },
): Promise<{ path: string; created: boolean }> {
  const prefix = namespacePrefix(client);
  const path = pickNamedFolder(await listFolders(client), name, prefix);
  if (path) return { path, created: false };
  if (!opts.create) throw new NamedFolderMissingError(name, opts.configKey);
  await client.mailboxCreate(name);
  forgetFolders(client);
  const made = pickNamedFolder(await listFolders(client), name, prefix);
  if (!made) throw new NamedFolderMissingError(name, opts.configKey);
  return { path: made, created: true };
}
