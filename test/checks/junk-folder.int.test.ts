/**
 * How `junk` finds the folder, against the scripted server (Dovecot in the lab advertises Exchange's list, without
 * SPECIAL-USE): SPECIAL-USE `\Junk` wins when advertised; otherwise the names in `junk.names` in order, then the
 * localized-names table; `folders.junk` names it exactly; nothing found is UNKNOWN naming the folders that exist.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  EXCHANGE_CAPABILITIES,
  startScriptedImap,
  type ScriptedImapServer,
} from '../../lab/scripted-imap.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import { byCheck, expectValid, fixedTokens, mailboxConfig, testCa, testRegistry } from './helpers.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

const TOKEN = 'junk-folder-token';
const USER = 'servicedesk@contoso.com';

let server: ScriptedImapServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const spam = (uid: number) => ({
  uid,
  raw: `From: x@example.org\r\nSubject: win ${uid}\r\n\r\nhi\r\n`,
  internalDate: new Date(Date.now() - 60_000),
});

async function junkOf(
  folders: Record<string, number>,
  extra: Record<string, unknown>,
  specialUse = false,
  without: string[] = [],
) {
  const ca = testCa();
  server = await startScriptedImap({
    tls: { key: ca.serverKeyPem, cert: ca.serverCertPem },
    user: USER,
    token: TOKEN,
    capabilities: specialUse ? [...EXCHANGE_CAPABILITIES, 'SPECIAL-USE'] : EXCHANGE_CAPABILITIES,
    folders: Object.fromEntries(
      Object.entries(folders).map(([name, n]) => [name, Array.from({ length: n }, (_, i) => spam(i + 1))]),
    ),
    ...(specialUse ? { specialUse: { Spam: '\\Junk' } } : {}),
    ...(without.length ? { without } : {}),
  });
  const mailbox = mailboxConfig({ cloud: { imapHost: 'localhost', imapPort: server.port }, ...extra });
  const results = await runMailbox(mailbox, {
    clock: systemClock,
    logger: silentLogger,
    secrets: () => 'unused',
    tokens: () => fixedTokens(TOKEN),
    ...mailConnections,
    imap: (mb, deadline, logger) => new ImapSession(mb, deadline, logger, { ca: ca.caPem }),
    state: createMemoryStore(),
    checks: testRegistry(['auth', 'imap-login', 'junk']),
  });
  expectValid(results);
  return byCheck(results).junk!;
}

describe('junk folder discovery', () => {
  it('SPECIAL-USE \\Junk wins when the server advertises it', async () => {
    const r = await junkOf({ Spam: 3, 'Junk Email': 1 }, {}, true);
    expect(r.details).toMatchObject({ folder: 'Spam', foundBy: 'special-use' });
    expect(r.metrics.junkMessages).toBe(3);
  });

  it('without SPECIAL-USE: by name, in the order of junk.names (Exchange in another language)', async () => {
    const r = await junkOf({ 'Junk-E-Mail': 2, Junk: 5 }, { junk: { names: ['Junk-E-Mail', 'Junk'] } });
    expect(r.details).toMatchObject({ folder: 'Junk-E-Mail', foundBy: 'name' });
    expect(r.metrics.junkMessages).toBe(2);
  });

  it('folders.junk names the folder exactly', async () => {
    const r = await junkOf({ Pourriel: 4 }, { folders: { junk: 'Pourriel' } });
    expect(r.details).toMatchObject({ folder: 'Pourriel', foundBy: 'config' });
    expect(r.status).toBe('OK');
    expect(r.metrics).toEqual({ junkMessages: 4, junkArrivals24h: 4, junkUnreviewed: 4 });
  });

  it('configured Junk folder missing: UNKNOWN naming the folders that exist and the key to set', async () => {
    const r = await junkOf({ Tickets: 1 }, { folders: { junk: 'Spam-Ordner' } });
    expect(r.status).toBe('UNKNOWN');
    expect(r.summary).toBe(
      'Junk folder "Spam-Ordner" (folders.junk) does not exist; folders: "INBOX", "Junk Email", "Tickets"',
    );
    expect(r.details).toMatchObject({
      configKey: 'folders.junk',
      existingFolders: ['INBOX', 'Junk Email', 'Tickets'],
    });
    expect(r.remediation?.fix).toContain('folders.junk');
  });

  it('no known name at all: UNKNOWN listing the folders', async () => {
    const r = await junkOf({}, { folders: { junk: 'auto' } }, false, ['Junk Email']);
    expect(r.status).toBe('UNKNOWN');
    expect(r.summary).toBe('Junk folder not found (no SPECIAL-USE, no known name); folders: "INBOX"');
  });
});
