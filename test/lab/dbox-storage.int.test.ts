/**
 * The lab's mdbox mailboxes (a `db-` local part; lab/dovecot-config.ts), which the folder-size benchmarks use as
 * the closer stand-in for Exchange's database: the mail really is in mdbox (Dovecot's map and storage files, no
 * maildir), lab/dbox-seed.ts keeps every message's INTERNALDATE, flags and UID order, and the inbox check reads
 * such an Inbox exactly — both waiting modes — without changing anything (every folder's HIGHESTMODSEQ and every
 * message's flags read server-side with doveadm, before and after).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDbox } from '../../lab/dbox-seed.js';
import { DBOX_MAILBOX } from '../../lab/dovecot-config.js';
import type { MaildirMessage } from '../../lab/maildir-seed.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { ManualClock } from '../../src/shared/clock.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { byCheck, CLIENT, expectValid, fixedTokens, mailboxConfig, testRegistry } from '../checks/helpers.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

const HAS_DOVECOT = requireDovecot();
const MIN = 60_000;
const COUNT = 300;

function raw(i: number): string {
  return (
    `From: caller${i}@customer.example\r\nTo: desk@dbox.example\r\nSubject: ticket ${i}\r\n` +
    `Message-ID: <d${i}@customer.example>\r\n\r\nHello, ticket ${i}.\r\n`
  );
}

describe.runIf(HAS_DOVECOT)('mdbox mailboxes in the lab', () => {
  const tenantId = randomUUID();
  const now = new Date(Math.floor(Date.now() / MIN) * MIN);
  // Oldest first, one a minute, the newest 10 minutes old; every 10th unread.
  const messages: MaildirMessage[] = Array.from({ length: COUNT }, (_, i) => ({
    raw: raw(i),
    internalDate: new Date(now.getTime() - (COUNT - i + 9) * MIN),
    ...(i % 10 === 0 ? {} : { flags: 'S' }),
  }));
  let address = '';
  let token = '';

  const doveadm = (...args: string[]) =>
    execFileSync('doveadm', ['-c', labEndpoints().doveadm!.configPath, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    const l = lab();
    await l.addTenant(tenantId, ['dbox.example']);
    address = `${l.unique(`${DBOX_MAILBOX.prefix}desk`)}@dbox.example`;
    await l.addUser(tenantId, { upn: address, password: randomUUID(), scopes: ['IMAP.AccessAsUser.All'] });
    ({ access_token: token } = await l.mintToken({
      tenantId,
      clientId: CLIENT,
      upn: address,
      scopes: ['IMAP.AccessAsUser.All'],
    }));
    expect(
      seedDbox(labEndpoints().labDir, labEndpoints().doveadm!.configPath, address, 'INBOX', messages),
    ).toEqual({ count: COUNT });
    // The Exchange folders exist before the first session, so "before" below is the mailbox the check finds.
    doveadm('mailbox', 'create', '-u', address, 'Junk Email');
  });

  it('keeps the mail in mdbox, with every date, flag and UID as seeded', async () => {
    const home = join(labEndpoints().labDir, 'mail', address.toLowerCase());
    expect(readdirSync(join(home, 'mdbox', 'storage')).some((f) => /^m\.\d+$/.test(f))).toBe(true);
    expect(existsSync(join(home, 'cur'))).toBe(false);
    expect(readdirSync(join(labEndpoints().labDir, 'mail')).filter((f) => f.startsWith('.staging-'))).toEqual(
      [],
    );
    const listed = await lab().listMessages(address, 'INBOX');
    expect(listed.map((m) => m.uid)).toEqual(messages.map((_, i) => i + 1));
    expect(listed.map((m) => m.internalDate)).toEqual(messages.map((m) => m.internalDate.toISOString()));
    expect(listed.map((m) => m.flags.join(' '))).toEqual(messages.map((m) => (m.flags ? '\\Seen' : '')));
    expect(listed[7]!.messageId).toBe('<d7@customer.example>');
  });

  it('refuses a folder that is already in use, and a user kept in maildir', () => {
    const e = labEndpoints();
    expect(() => seedDbox(e.labDir, e.doveadm!.configPath, address, 'INBOX', messages.slice(0, 1))).toThrow(
      /INBOX of .* has been used already/,
    );
    expect(() =>
      seedDbox(e.labDir, e.doveadm!.configPath, 'desk@dbox.example', 'INBOX', messages.slice(0, 1)),
    ).toThrow(/not kept in mdbox/);
  });

  it('the inbox check reads an mdbox Inbox exactly in both waiting modes and changes nothing', async () => {
    const imap = labEndpoints().imap!;
    const state = () =>
      `${doveadm('mailbox', 'status', '-u', address, 'messages highestmodseq', '*')}\n` +
      doveadm('fetch', '-u', address, 'mailbox uid flags', 'all');
    const before = state();
    const check = async (waiting: 'all' | 'unseen') => {
      const cfg = mailboxConfig({
        address,
        cloud: { imapHost: imap.host, imapPort: imap.port },
        inbox: { waiting },
      });
      const results = await runMailbox(cfg, {
        clock: new ManualClock(now),
        logger: silentLogger,
        secrets: () => 'unused',
        tokens: () => fixedTokens(token),
        ...mailConnections,
        state: createMemoryStore(),
        checks: testRegistry(['auth', 'imap-login', 'inbox']),
      });
      expectValid(results);
      return byCheck(results).inbox!;
    };
    const all = await check('all');
    expect(all.metrics).toMatchObject({
      inboxMessages: COUNT,
      waitingMessages: COUNT,
      oldestWaitingSeconds: (COUNT + 9) * 60,
      oversizedMessages: 0,
      probeBytes: Buffer.byteLength(raw(0)),
    });
    expect(all.details).toMatchObject({ oldestWaiting: { uid: 1 } });
    const unseen = await check('unseen');
    expect(unseen.metrics).toMatchObject({
      inboxMessages: COUNT,
      waitingMessages: COUNT / 10,
      oldestWaitingSeconds: (COUNT + 9) * 60,
    });
    expect(state()).toBe(before);
  });
});
