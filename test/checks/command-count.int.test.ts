/**
 * IMAP commands of one full check of a mailbox (every IMAP check, auth through logout), counted by the scripted
 * Exchange server: the folder list is read once per session (LIST, never LSUB) and shared by the inbox, junk and
 * sent-quota checks; each folder is opened once, read-only; a healthy mailbox's repeat run sends 13 commands.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedImap, type ScriptedImapServer } from '../../lab/scripted-imap.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { systemClock } from '../../src/shared/clock.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { silentLogger } from '../../src/shared/logger.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { byCheck, expectValid, fixedTokens, mailboxConfig, testCa, testRegistry } from './helpers.js';

const TOKEN = 'command-count-token';
const USER = 'servicedesk@contoso.com';
const HOUR = 3_600_000;

let server: ScriptedImapServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const msg = (uid: number, ageMs: number, from = `c${uid}@example.org`, to = USER) => ({
  uid,
  raw: `From: ${from}\r\nTo: ${to}\r\nSubject: Ticket ${uid}\r\n\r\nHello ${uid}\r\n`,
  internalDate: new Date(Date.now() - ageMs),
});

describe('IMAP commands per full check', () => {
  it('one LIST (no LSUB), one EXAMINE per folder, 13 commands on a healthy repeat run', async () => {
    const ca = testCa();
    server = await startScriptedImap({
      tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
      user: USER,
      token: TOKEN,
      folders: {
        INBOX: [msg(3, 5 * 60_000), msg(4, 60_000)],
        'Junk Email': [msg(1, 50 * HOUR), msg(2, 2 * HOUR)],
        'Sent Items': [msg(1, 3 * HOUR, USER, 'a@example.org'), msg(2, HOUR, USER, 'b@example.org')],
      },
    });
    const state = createMemoryStore();
    const run = async () => {
      const before = server!.stats.commands.length;
      const results = await runMailbox(
        mailboxConfig({ cloud: { imapHost: 'localhost', imapPort: server!.port }, deadlineSeconds: 20 }),
        {
          clock: systemClock,
          logger: silentLogger,
          secrets: () => 'unused',
          tokens: () => fixedTokens(TOKEN),
          ...mailConnections,
          state,
          imap: (mb, deadline, logger) => new ImapSession(mb, deadline, logger, { ca: ca.caPem }),
          checks: testRegistry(['auth', 'imap-login', 'inbox', 'junk', 'sent-quota']),
        },
      );
      expectValid(results);
      return { r: byCheck(results), commands: server!.stats.commands.slice(before) };
    };
    const first = await run();
    expect(first.r.inbox!.status).toBe('OK');
    expect(first.r.junk!.status).toBe('OK');
    expect(first.r['sent-quota']!.metrics).toMatchObject({ newMessages: 2 });
    const count = (cmds: string[], name: string) => cmds.filter((c) => c === name).length;
    for (const { commands } of [first, await run()]) {
      expect(count(commands, 'LIST')).toBe(1);
      expect(commands).not.toContain('LSUB');
      expect(count(commands, 'EXAMINE')).toBe(3);
      expect(count(commands, 'LOGOUT')).toBe(1);
    }
    const again = await run();
    expect(again.r['sent-quota']!.details).toMatchObject({ mode: 'incremental' });
    // Every command of a healthy mailbox's repeat run, in order: sign-in (ID, AUTHENTICATE; CAPABILITY because
    // Exchange's OK to AUTHENTICATE carries none; imapflow's NAMESPACE), the folder list, the Inbox (oversized
    // SEARCH in sequence numbers, the dates of the lowest ones — with the first oversized ones' envelopes when there
    // are any — and the probe), Junk (dates of the last day), Sent Items (nothing new).
    expect(again.commands).toEqual([
      'ID',
      'AUTHENTICATE',
      'CAPABILITY',
      'NAMESPACE',
      'LIST',
      'EXAMINE',
      'SEARCH',
      'FETCH',
      'UID FETCH',
      'EXAMINE',
      'FETCH',
      'EXAMINE',
      'LOGOUT',
    ]);
  });
});
