/**
 * Many messages into a folder of a lab user kept in mdbox (the `db-` users of lab/dovecot-config.ts), for the
 * benchmarks that compare Dovecot's storages. mdbox files carry Dovecot's own index and map, which nothing but
 * Dovecot should write, so the messages are first written as a maildir in a staging directory (lab/maildir-seed.ts:
 * seconds for 100,000) and then copied in by `doveadm import` — one process, Dovecot's own save path, keeping each
 * message's INTERNALDATE and flags, UIDs in the order given. Measured on 2 cores: 100,000 small messages in
 * 10–16 s (the same import into sdbox, one file per message, took a minute). The staging maildir is removed
 * afterwards.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DBOX_MAILBOX } from './dovecot-config.js';
import { seedMaildir, type MaildirMessage } from './maildir-seed.js';

/**
 * Writes `messages` (in UID order) into `folder` of the mdbox user `user`, through Dovecot. The folder must be
 * top-level and new or never used (UIDs are then 1…n, as given); throws otherwise, or when `user` is not a `db-`
 * user.
 */
export function seedDbox(
  labDir: string,
  doveadmConfig: string,
  user: string,
  folder: string,
  messages: Iterable<MaildirMessage>,
): { count: number } {
  if (!user.toLowerCase().startsWith(DBOX_MAILBOX.prefix)) {
    throw new Error(
      `seedDbox: ${user} is not kept in mdbox (its local part must start with ${DBOX_MAILBOX.prefix})`,
    );
  }
  if (folder.includes('/')) {
    // The staging maildir names subfolders with "." (maildir++), which the import would carry over as is.
    throw new Error(`seedDbox: top-level folders only (got ${folder})`);
  }
  const doveadm = (...args: string[]) =>
    execFileSync('doveadm', ['-c', doveadmConfig, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const status = () => doveadm('mailbox', 'status', '-u', user, 'messages uidnext', folder);
  const field = (text: string, k: string) => Number(new RegExp(`\\b${k}=(\\d+)`).exec(text)?.[1] ?? NaN);
  let before = '';
  try {
    before = status();
  } catch {
    // No such folder yet: the import creates it.
  }
  if (before && field(before, 'uidnext') !== 1) {
    throw new Error(`seedDbox: ${folder} of ${user} has been used already (${before.trim()})`);
  }
  // Inside the lab's mail directory, which belongs to the vmail user Dovecot reads it as; no user has this name.
  const staging = join(labDir, 'mail', `.staging-${randomBytes(6).toString('hex')}`);
  try {
    const { count } = seedMaildir(labDir, user, folder, messages, staging);
    // `import <source> <dest parent> <query>`: "" keeps the folder's name; the copy keeps INTERNALDATE and flags.
    doveadm('import', '-u', user, `maildir:${staging}`, '', 'mailbox', folder);
    const after = status();
    if (field(after, 'messages') !== count || field(after, 'uidnext') !== count + 1) {
      throw new Error(`seedDbox: ${folder} of ${user} was not fully imported (${after.trim()})`);
    }
    return { count };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
