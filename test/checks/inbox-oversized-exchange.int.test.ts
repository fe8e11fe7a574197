/**
 * The inbox check's since-last-run oversized search against the scripted Exchange server (Exchange's capability
 * list and replies, over TLS): the second run's `SEARCH LARGER n UID <known>,<last UIDNEXT>:*` is answered as
 * Exchange answers the plain IMAP4rev1 `UID` search key, and the count is exact — the known oversized message and
 * the one that arrived since, nothing else; the mailbox is never changed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedImap, type ScriptedImapServer, type ScriptedMessage } from '../../lab/scripted-imap.js';
import { compactResult } from '../../src/shared/alerts/decide.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { systemClock } from '../../src/shared/clock.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { silentLogger } from '../../src/shared/logger.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { byCheck, expectValid, fixedTokens, mailboxConfig, testCa, testRegistry } from './helpers.js';

const TOKEN = 'scripted-oversized-token';
const USER = 'servicedesk@contoso.com';
const MAX = 1_000_000;
let server: ScriptedImapServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const msg = (uid: number, big = false): ScriptedMessage => ({
  uid,
  raw: `From: caller${uid}@example.org\r\nTo: ${USER}\r\nSubject: ticket ${uid}\r\n\r\nbody\r\n`,
  internalDate: new Date(Date.now() - (60 - uid) * 60_000),
  ...(big ? { size: MAX * 2 } : {}),
});

describe('inbox check: since-last-run oversized search on Exchange (scripted)', () => {
  it('the second run counts the known and the new oversized message exactly', async () => {
    const ca = testCa();
    const store = createMemoryStore();
    const run = async (inbox: ScriptedMessage[]) => {
      await server?.close();
      server = await startScriptedImap({
        tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
        user: USER,
        token: TOKEN,
        folders: { INBOX: inbox },
      });
      const cfg = mailboxConfig({
        cloud: { imapHost: 'localhost', imapPort: server.port },
        inbox: { maxMessageBytes: MAX },
      });
      const results = await runMailbox(cfg, {
        clock: systemClock,
        logger: silentLogger,
        secrets: () => 'unused',
        tokens: () => fixedTokens(TOKEN),
        ...mailConnections,
        state: store,
        imap: (mb, deadline, logger) => new ImapSession(mb, deadline, logger, { ca: ca.caPem }),
        checks: testRegistry(['auth', 'imap-login', 'inbox']),
      });
      expectValid(results);
      const r = byCheck(results).inbox!;
      // Kept as the cycle keeps it (alerts/notify-run.ts writes the status row with compactResult).
      await store.status.upsert(cfg.id, 'inbox', {
        check: 'inbox',
        status: r.status,
        result: compactResult(r),
        since: r.at,
        consecutiveFailures: 0,
      });
      expect(server.stats.refused).toEqual([]);
      return { r, uids: (r.details?.oversized as Array<{ uid: number }>).map((o) => o.uid) };
    };
    const first = await run([msg(1), msg(2, true), msg(3)]);
    expect(first.r.details).toMatchObject({ oversizedSearch: 'folder', uidNext: 4 });
    expect(first.uids).toEqual([2]);
    const second = await run([msg(1), msg(2, true), msg(3), msg(4, true), msg(5)]);
    expect(second.r.details).toMatchObject({ oversizedSearch: 'since-last-run', uidNext: 6 });
    expect(second.r.metrics).toMatchObject({ inboxMessages: 5, oversizedMessages: 2, waitingMessages: 3 });
    expect(second.uids).toEqual([2, 4]);
  });
});
