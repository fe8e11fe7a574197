/**
 * Mailboxes in the mailbox's own language, as Exchange creates them (no SPECIAL-USE, no English folders): one
 * table drives every caller of the folder finder against the lab's Dovecot — the junk and sent-quota checks give
 * correct results, the weekly review, the finder call the opt-in moves use and `doctor` find the same folders —
 * and nothing in the mailbox changes (HIGHESTMODSEQ and flags of every folder, read with doveadm).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGUAGE_MAILBOXES } from '../../lab/dovecot-config.js';
import { doctorCommand, type DoctorResult } from '../../src/cli/doctor.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { findFolder } from '../../src/shared/mail/folder-finder.js';
import { collectReview } from '../../src/shared/review/index.js';
import { byCheck, CLIENT, expectValid, fixedTokens, mailboxConfig, testRegistry } from '../checks/helpers.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

const HAS_DOVECOT = requireDovecot();
const MIN = 60_000;

/** The table: one row per mailbox language the lab can create. */
const LANGUAGES = [
  { lang: 'en', prefix: 'desk-', junk: 'Junk Email', sent: 'Sent Items' },
  ...Object.entries(LANGUAGE_MAILBOXES).map(([lang, l]) => ({
    lang,
    prefix: l.prefix,
    junk: l.folders.junk,
    sent: l.folders.sent,
  })),
];
const ENGLISH = ['Junk Email', 'Sent Items'];

function raw(i: number, to: string[], cc: string[] = []): string {
  return (
    `From: desk@example.org\r\nTo: ${to.join(', ')}\r\n${cc.length ? `Cc: ${cc.join(', ')}\r\n` : ''}` +
    `Subject: Ticket ${i} updated\r\nMessage-ID: <t${i}-${randomUUID()}@example.org>\r\n` +
    `Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\nhello\r\n`
  );
}

describe.runIf(HAS_DOVECOT)('folders in the mailbox language: every caller finds the same ones', () => {
  const tenantId = randomUUID();
  const app = randomUUID();
  const PASSWORD = 'Lang pw ' + randomUUID();
  const dir = mkdtempSync(join(tmpdir(), 'mh-lang-'));
  const now = new Date();

  beforeAll(async () => {
    await lab().addTenant(tenantId, ['lang.example.org']);
    await lab().addApp(tenantId, { clientId: app, publicClient: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function doveadm(...args: string[]): string {
    return execFileSync('doveadm', ['-c', labEndpoints().doveadm!.configPath, ...args], { encoding: 'utf8' });
  }
  const serverState = (user: string) =>
    doveadm('mailbox', 'status', '-u', user, 'messages highestmodseq', '*') +
    doveadm('fetch', '-u', user, 'mailbox uid flags', 'all');

  async function doctorFolders(address: string): Promise<Array<DoctorResult['steps'][number]>> {
    const e = labEndpoints();
    const file = join(dir, `${randomUUID()}.json`);
    const doc = {
      mailboxes: [
        {
          id: 'desk',
          address,
          tenantId,
          clientId: app,
          auth: { mode: 'password', password: { env: 'DESK_PW' } },
          cloud: {
            authorityHost: e.authorityHost,
            imapHost: 'localhost',
            imapPort: e.imap!.port,
            smtpHost: 'localhost',
            smtpPort: e.smtp!.port,
          },
        },
      ],
    };
    writeFileSync(file, JSON.stringify(doc));
    const out: string[] = [];
    await doctorCommand(['--config', file, '--json'], {
      stdout: (s) => out.push(s),
      stderr: () => undefined,
      env: { DESK_PW: PASSWORD },
    });
    const r = JSON.parse(out.join('\n')) as DoctorResult;
    return (['junk', 'sent-quota'] as const).map((id) => {
      const s = r.steps.find((x) => x.step === id)!;
      return s.status === 'SKIP' ? { ...s, detail: JSON.stringify(r.steps) } : s;
    });
  }

  it.each(LANGUAGES)('$lang: Junk "$junk", Sent "$sent"', async (row) => {
    const l = lab();
    const address = `${row.prefix}${l.unique('desk')}@lang.example.org`;
    await l.addUser(tenantId, { upn: address, password: PASSWORD });
    const { access_token: token } = await l.mintToken({
      tenantId,
      clientId: CLIENT,
      upn: address,
      scopes: ['IMAP.AccessAsUser.All'],
    });
    const at = (m: number) => new Date(now.getTime() - m * MIN).toISOString();
    await l.seedMessages(address, row.junk, [
      { raw: raw(1, ['desk@example.org']), internalDate: at(30) },
      { raw: raw(2, ['desk@example.org']), internalDate: at(3 * 24 * 60) },
    ]);
    await l.seedMessages(address, row.sent, [
      { raw: raw(3, ['a@example.org']), flags: ['\\Seen'], internalDate: at(50) },
      {
        raw: raw(4, ['a@example.org', 'b@example.org'], ['c@example.org']),
        flags: ['\\Seen'],
        internalDate: at(40),
      },
      { raw: raw(5, ['d@example.org']), flags: ['\\Seen'], internalDate: at(26 * 60) },
    ]);
    const folders = doveadm('mailbox', 'list', '-u', address).split('\n');
    expect(folders).toEqual(expect.arrayContaining(['INBOX', row.junk, row.sent]));
    if (row.lang !== 'en') for (const english of ENGLISH) expect(folders).not.toContain(english);
    const before = serverState(address);

    // The checks.
    const imap = labEndpoints().imap!;
    const cfg = mailboxConfig({ address, cloud: { imapHost: imap.host, imapPort: imap.port } });
    const results = await runMailbox(cfg, {
      clock: new ManualClock(now),
      logger: silentLogger,
      secrets: () => 'unused',
      tokens: () => fixedTokens(token),
      ...mailConnections,
      state: createMemoryStore(),
      checks: testRegistry(['auth', 'imap-login', 'junk', 'sent-quota']),
    });
    expectValid(results);
    const r = byCheck(results);
    expect(r.junk).toMatchObject({ status: 'OK', details: { folder: row.junk, foundBy: 'name' } });
    expect(r.junk!.metrics).toEqual({ junkMessages: 2, junkArrivals24h: 1, junkUnreviewed: 2 });
    expect(r['sent-quota']).toMatchObject({ status: 'OK', details: { folder: row.sent, foundBy: 'name' } });
    expect(r['sent-quota']!.metrics).toMatchObject({ recipients24h: 4, messages24h: 2 });

    // The review and the finder the opt-in moves call, on one session.
    const client = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: true,
      auth: { user: address, accessToken: token },
      logger: false,
    });
    await client.connect();
    try {
      expect(await findFolder(client, 'junk', cfg)).toMatchObject({ found: true, path: row.junk });
      expect(await findFolder(client, 'sent', cfg)).toMatchObject({ found: true, path: row.sent });
      const review = await collectReview({ client, mailbox: cfg, clock: new ManualClock(now) });
      expect(review.ok).toBe(true);
      if (review.ok) {
        expect(review.collection.junkFolder.path).toBe(row.junk);
        expect(review.collection.sentFolder?.path).toBe(row.sent);
        expect(review.collection.junkCount).toBe(2);
      }
    } finally {
      await client.logout().catch(() => client.close());
    }

    // doctor.
    const [junkStep, sentStep] = await doctorFolders(address);
    expect(junkStep!.status, JSON.stringify(junkStep)).toBe('PASS');
    expect(junkStep!.detail).toContain(`"${row.junk}"`);
    expect(sentStep!.status, JSON.stringify(sentStep)).toBe('PASS');
    expect(sentStep!.detail).toContain(`"${row.sent}"`);

    expect(serverState(address)).toBe(before);
  });

  it('a Finnish mailbox with folders.sent set to an English name: UNKNOWN naming the folders and the key', async () => {
    const l = lab();
    const address = `fi-${l.unique('desk')}@lang.example.org`;
    await l.addUser(tenantId, { upn: address, password: PASSWORD, scopes: ['IMAP.AccessAsUser.All'] });
    const { access_token: token } = await l.mintToken({
      tenantId,
      clientId: CLIENT,
      upn: address,
      scopes: ['IMAP.AccessAsUser.All'],
    });
    const imap = labEndpoints().imap!;
    const cfg = mailboxConfig({
      address,
      cloud: { imapHost: imap.host, imapPort: imap.port },
      folders: { sent: 'Sent Items' },
    });
    const results = await runMailbox(cfg, {
      clock: new ManualClock(now),
      logger: silentLogger,
      secrets: () => 'unused',
      tokens: () => fixedTokens(token),
      ...mailConnections,
      state: createMemoryStore(),
      checks: testRegistry(['auth', 'imap-login', 'sent-quota']),
    });
    const sent = byCheck(results)['sent-quota']!;
    expect(sent.status).toBe('UNKNOWN');
    expect(sent.summary).toContain('folders.sent');
    expect(sent.summary).toContain('"Lähetetyt"');
    expect(sent.remediation?.fix).toContain('folders.sent');
  });
});
