/**
 * The inbox check's `unseen` mode against the scripted Exchange server, which can leave out EXAMINE's optional
 * `OK [UNSEEN n]` (RFC 3501 §7.1) — the path Dovecot never takes. Without it the windows start at the first message
 * and stay bounded (at most MAX_WINDOWS of at most MAX_WINDOW_SEQS sequence numbers, plus one over the newest
 * messages); with it one window at the first unread message is enough. Either way the waiting count and the oldest
 * waiting message are exact and no SEARCH answer lists every unread message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedImap, type ScriptedImapServer, type ScriptedMessage } from '../../lab/scripted-imap.js';
import { MAX_WINDOWS } from '../../src/shared/checks/inbox-unseen.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { ManualClock } from '../../src/shared/clock.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { silentLogger } from '../../src/shared/logger.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { byCheck, expectValid, fixedTokens, mailboxConfig, testCa, testRegistry } from './helpers.js';

const TOKEN = 'scripted-unseen-token';
const USER = 'servicedesk@contoso.com';
const MIN = 60_000;
const MAX = 2000;
const now = new Date(Math.floor(Date.now() / MIN) * MIN);

let server: ScriptedImapServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Message i (UID i + 1) arrived n − i + 9 minutes ago: oldest first, the newest 10 minutes ago. */
const ageMin = (n: number, i: number) => n - i + 9;

function inbox(n: number, unread: (i: number) => boolean, big: (i: number) => boolean = () => false) {
  return Array.from({ length: n }, (_, i): ScriptedMessage => ({
    uid: i + 1,
    raw: `From: c${i}@example.org\r\nTo: ${USER}\r\nSubject: Ticket ${i}\r\n\r\nHello ${i}\r\n`,
    internalDate: new Date(now.getTime() - ageMin(n, i) * MIN),
    ...(unread(i) ? {} : { flags: ['\\Seen'] }),
    ...(big(i) ? { size: MAX * 2 } : {}),
  }));
}

async function check(messages: ScriptedMessage[], firstUnseen: 'sent' | 'omitted') {
  const ca = testCa();
  server = await startScriptedImap({
    tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
    user: USER,
    token: TOKEN,
    folders: { INBOX: messages },
    behaviour: { firstUnseen },
  });
  const results = await runMailbox(
    mailboxConfig({
      cloud: { imapHost: 'localhost', imapPort: server.port },
      deadlineSeconds: 30,
      inbox: { waiting: 'unseen', maxMessageBytes: MAX },
    }),
    {
      clock: new ManualClock(now),
      logger: silentLogger,
      secrets: () => 'unused',
      tokens: () => fixedTokens(TOKEN),
      ...mailConnections,
      state: createMemoryStore(),
      imap: (mb, deadline, logger) => new ImapSession(mb, deadline, logger, { ca: ca.caPem }),
      checks: testRegistry(['auth', 'imap-login', 'inbox']),
    },
  );
  expectValid(results);
  const { commands, refused, searchHits } = server.stats;
  expect(refused).toEqual([]);
  expect(commands).not.toContain('SELECT');
  return { r: byCheck(results).inbox!, commands, searchHits };
}

describe('inbox check, waiting "unseen", on a server with or without [UNSEEN n]', () => {
  it('no [UNSEEN n], unread spread with oversized ones among them: exact, from a window of the first messages', async () => {
    // 2,000 messages, every 7th unread (286), every 50th oversized (14 of those unread).
    const messages = inbox(
      2000,
      (i) => i % 7 === 2,
      (i) => i % 50 === 9,
    );
    const { r, commands, searchHits } = await check(messages, 'omitted');
    const unreadBig = messages.filter((m, i) => i % 7 === 2 && i % 50 === 9).length;
    expect(r.metrics).toMatchObject({
      inboxMessages: 2000,
      oversizedMessages: 40,
      waitingMessages: 286 - unreadBig,
    });
    // i = 2 is the first unread and not oversized (i = 9 is the first oversized).
    expect(r.metrics.oldestWaitingSeconds).toBe(ageMin(2000, 2) * 60);
    expect(r.details).toMatchObject({ oldestWaiting: { uid: 3 }, unseenScan: { complete: true } });
    expect(r.details!.unseenScan).not.toHaveProperty('firstUnseen');
    // STATUS before EXAMINE; the oversized SEARCH and one window; no answer near the 286 unread.
    expect(commands.indexOf('STATUS')).toBeLessThan(commands.indexOf('EXAMINE'));
    expect(Math.max(...searchHits.slice(1))).toBeLessThanOrEqual(60);
  });

  it('no [UNSEEN n], the backlog at the end of 20,000 messages: bounded windows, then the newest ones', async () => {
    const messages = inbox(20_000, (i) => i >= 19_995);
    const { r, searchHits } = await check(messages, 'omitted');
    expect(r.metrics).toMatchObject({
      waitingMessages: 5,
      oldestWaitingSeconds: ageMin(20_000, 19_995) * 60,
    });
    // The last window found every unread message the STATUS counted: the result is exact after all.
    expect(r.details).toMatchObject({
      oldestWaiting: { uid: 19_996 },
      unseenScan: { found: 5, complete: true },
    });
    const searched = (r.details!.unseenScan as { searched: string[] }).searched;
    expect(searched).toHaveLength(MAX_WINDOWS + 1);
    expect(searched.at(-1)).toMatch(/:20000$/);
    expect(searchHits.slice(1).reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('no [UNSEEN n], unread only in the middle of a large folder: the count stays exact, the age is not invented', async () => {
    const messages = inbox(40_000, (i) => i >= 20_000 && i < 20_003);
    const { r } = await check(messages, 'omitted');
    expect(r.metrics).toMatchObject({ waitingMessages: 3, oldestWaitingSeconds: 0, probeBytes: 0 });
    expect(r.details).toMatchObject({ unseenScan: { found: 0, complete: false } });
    expect(r.details).not.toHaveProperty('oldestWaiting');
    expect(r.summary).toContain('3 waiting, oldest not found among the messages searched');
  });

  it('[UNSEEN n] sent: one window at the first unread message, however large the folder (fetched: all unread)', async () => {
    const messages = inbox(20_000, (i) => i >= 19_995);
    const { r, commands, searchHits } = await check(messages, 'sent');
    expect(r.metrics).toMatchObject({
      waitingMessages: 5,
      oldestWaitingSeconds: ageMin(20_000, 19_995) * 60,
    });
    expect(r.details).toMatchObject({
      oldestWaiting: { uid: 19_996 },
      unseenScan: { firstUnseen: 19_996, fetched: '19996:20000', searched: [], found: 5, complete: true },
    });
    expect(searchHits).toEqual([0]);
    const inboxPart = commands.slice(commands.indexOf('STATUS'), -1);
    expect(inboxPart).toEqual(['STATUS', 'EXAMINE', 'SEARCH', 'FETCH', 'UID FETCH']);
  });
});
