/**
 * Writes many messages straight into a lab user's maildir, for the tests and benchmarks that need tens of
 * thousands of them (IMAP APPEND takes minutes for that; this takes seconds). Dovecot reads the result as if the
 * messages had been delivered: INTERNALDATE is the file's mtime (Dovecot's maildir format), and the folder's
 * `dovecot-uidlist` is written too, so UIDs follow the order given — arrival order, as on a real server.
 *
 * Only for a folder no IMAP session has opened yet (its index would disagree with the files); the lab owns the
 * mail tree, so this runs as the lab's user (root) and hands the files to the vmail user.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MaildirMessage {
  raw: string;
  internalDate: Date;
  /** Maildir flag letters (`S` seen, `F` flagged, …), RFC-less but Dovecot's: maildir "2," info. */
  flags?: string;
}

function vmail(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync('id', [flag, 'vmail'], { encoding: 'utf8' });
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/**
 * The maildir++ directory of a folder ("INBOX" is the user's root; "Sent Items" is ".Sent Items"). `root` is the
 * user's maildir (by default the lab's `mail/<user>`; lab/dbox-seed.ts stages elsewhere).
 */
export function maildirOf(
  labDir: string,
  user: string,
  folder: string,
  root = join(labDir, 'mail', user.toLowerCase()),
): string {
  return folder.toUpperCase() === 'INBOX' ? root : join(root, `.${folder.replace(/\//g, '.')}`);
}

/**
 * Writes `messages` (in UID order) into `folder` of `user`. Returns the UIDs given (1…n). Throws when the folder
 * already has a uidlist: its messages and index belong to Dovecot by then.
 */
export function seedMaildir(
  labDir: string,
  user: string,
  folder: string,
  messages: Iterable<MaildirMessage>,
  root = join(labDir, 'mail', user.toLowerCase()),
): { count: number; uidValidity: number } {
  const { uid, gid } = vmail();
  const dir = maildirOf(labDir, user, folder, root);
  if (existsSync(join(dir, 'dovecot-uidlist'))) {
    throw new Error(`seedMaildir: ${folder} of ${user} is already in use by Dovecot`);
  }
  for (const d of [root, dir, join(dir, 'cur'), join(dir, 'new'), join(dir, 'tmp')]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    chownSync(d, uid, gid);
  }
  if (dir !== root) {
    // Marks a maildir++ subfolder (Dovecot's maildir format).
    writeFileSync(join(dir, 'maildirfolder'), '');
    chownSync(join(dir, 'maildirfolder'), uid, gid);
  }
  const host = 'mhlab';
  const lines: string[] = [];
  let n = 0;
  for (const m of messages) {
    n++;
    const t = Math.floor(m.internalDate.getTime() / 1000);
    const base = `${t}.M${n}P${process.pid}.${host}`;
    const size = Buffer.byteLength(m.raw);
    // W= is the RFC822.SIZE (line ends counted as CRLF): with it in the name Dovecot answers SEARCH LARGER and
    // RFC822.SIZE from the directory listing instead of opening every file — as a real server has sizes indexed.
    const vsize = size + (m.raw.match(/(?<!\r)\n/g)?.length ?? 0);
    const sized = `${base},S=${size},W=${vsize}`;
    const name = `${sized}:2,${m.flags ?? ''}`;
    const file = join(dir, 'cur', name);
    writeFileSync(file, m.raw);
    chownSync(file, uid, gid);
    utimesSync(file, m.internalDate, m.internalDate);
    lines.push(`${n} :${sized}`);
  }
  const uidValidity = Math.floor(Date.now() / 1000);
  // dovecot-uidlist version 3: "3 V<uidvalidity> N<next uid> G<mailbox guid>", then "<uid> :<file base name>".
  const header = `3 V${uidValidity} N${n + 1} G${randomBytes(16).toString('hex')}`;
  const uidlist = join(dir, 'dovecot-uidlist');
  writeFileSync(uidlist, [header, ...lines].join('\n') + '\n');
  chownSync(uidlist, uid, gid);
  return { count: n, uidValidity };
}
