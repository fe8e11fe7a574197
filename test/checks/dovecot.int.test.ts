/**
 * The mail checks against the lab's real Dovecot (Exchange's capability list, XOAUTH2 through the Entra
 * emulator's introspection): a healthy mailbox is OK; an old waiting message, an oversized message and a junk pile
 * give the documented statuses with exact counts, sizes and ages; the mailbox is never modified (HIGHESTMODSEQ of
 * every folder and every message's flags read server-side with doveadm, before and after); the opt-in move works
 * and is off by default.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/shared/clock.js';
import type { Clock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';
import { byCheck, CLIENT, expectValid, fixedTokens, mailboxConfig, testRegistry } from './helpers.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

const HAS_DOVECOT = requireDovecot();
const MIN = 60_000;

function raw(i: number, subject: string, bodyBytes = 40): string {
  return (
    `From: "Customer ${i}" <customer${i}@example.org>\r\nTo: desk@example.org\r\nSubject: ${subject}\r\n` +
    `Message-ID: <m${i}-${randomUUID()}@example.org>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n\r\n` +
    'x'.repeat(bodyBytes) +
    '\r\n'
  );
}

describe.runIf(HAS_DOVECOT)('mail checks against Dovecot', () => {
  const tenantId = randomUUID();
  let now: Date;

  beforeAll(async () => {
    await lab().addTenant(tenantId, ['example.org']);
    now = new Date();
  });

  /** A fresh lab mailbox with a delegated IMAP token. */
  async function mailbox() {
    const l = lab();
    const address = `${l.unique('desk')}@example.org`;
    await l.addUser(tenantId, { upn: address, password: randomUUID(), scopes: ['IMAP.AccessAsUser.All'] });
    const { access_token } = await l.mintToken({
      tenantId,
      clientId: CLIENT,
      upn: address,
      scopes: ['IMAP.AccessAsUser.All'],
    });
    // Dovecot auto-creates the Exchange folders at a user's first IMAP session (Exchange's always exist); create
    // Junk Email now so that the "before" snapshot is the mailbox as the monitor finds it.
    doveadm('mailbox', 'create', '-u', address, 'Junk Email');
    return { address, token: access_token };
  }

  async function run(
    address: string,
    token: string,
    extra: Record<string, unknown> = {},
    opts: { clock?: Clock; lastSpamReviewAt?: Date } = {},
  ) {
    const imap = labEndpoints().imap!;
    const cfg = mailboxConfig({ address, cloud: { imapHost: imap.host, imapPort: imap.port }, ...extra });
    const results = await runMailbox(cfg, {
      clock: opts.clock ?? systemClock,
      logger: silentLogger,
      secrets: () => 'unused',
      tokens: () => fixedTokens(token),
      ...mailConnections,
      state: createMemoryStore(),
      checks: testRegistry(['auth', 'imap-login', 'inbox', 'junk']),
      ...(opts.lastSpamReviewAt ? { lastSpamReviewAt: () => opts.lastSpamReviewAt } : {}),
    });
    expectValid(results);
    expect(JSON.stringify(results)).not.toContain(token);
    return byCheck(results);
  }

  function doveadm(...args: string[]): string {
    const conf = labEndpoints().doveadm!.configPath;
    return execFileSync('doveadm', ['-c', conf, ...args], { encoding: 'utf8' });
  }

  /** Server-side state of the whole mailbox: every folder's HIGHESTMODSEQ and every message's flags. */
  function serverState(user: string): string {
    const modseq = doveadm('mailbox', 'status', '-u', user, 'messages highestmodseq', '*');
    const flags = doveadm('fetch', '-u', user, 'mailbox uid flags', 'all');
    return `${modseq}\n${flags}`;
  }

  it('healthy mailbox: OK with exact counts; nothing changed server-side', async () => {
    const { address, token } = await mailbox();
    const l = lab();
    await l.seedMessages(address, 'INBOX', [
      { raw: raw(1, 'Printer broken'), internalDate: new Date(now.getTime() - 10 * MIN).toISOString() },
      {
        raw: raw(2, 'VPN'),
        flags: ['\\Seen'],
        internalDate: new Date(now.getTime() - 3 * MIN).toISOString(),
      },
    ]);
    const before = serverState(address);
    const clock = new ManualClock(now);
    const r = await run(address, token, {}, { clock });
    expect(r['imap-login']!.status).toBe('OK');
    expect(r.inbox!.status).toBe('OK');
    expect(r.inbox!.metrics).toMatchObject({
      inboxMessages: 2,
      waitingMessages: 2,
      oldestWaitingSeconds: 600,
      oversizedMessages: 0,
      probeBytes: raw(1, 'Printer broken').length,
    });
    expect(r.junk!.status).toBe('OK');
    expect(r.junk!.details).toMatchObject({ folder: 'Junk Email', foundBy: 'name' });
    expect(r.junk!.metrics).toEqual({ junkMessages: 0, junkArrivals24h: 0, junkUnreviewed: 0 });
    expect(serverState(address)).toBe(before);
  });

  it('an old waiting message: WARN after 30 min, CRIT after 2 h, exact age; "unseen" ignores seen ones', async () => {
    const { address, token } = await mailbox();
    await lab().seedMessages(address, 'INBOX', [
      {
        raw: raw(1, 'old and read'),
        flags: ['\\Seen'],
        internalDate: new Date(now.getTime() - 150 * MIN).toISOString(),
      },
      { raw: raw(2, 'waiting'), internalDate: new Date(now.getTime() - 45 * MIN).toISOString() },
    ]);
    const before = serverState(address);
    const all = await run(address, token, {}, { clock: new ManualClock(now) });
    expect(all.inbox!.status).toBe('CRIT');
    expect(all.inbox!.metrics.oldestWaitingSeconds).toBe(150 * 60);
    expect(all.inbox!.summary).toContain('oldest 2 h 30 min (over 120 min)');
    const unseen = await run(
      address,
      token,
      { inbox: { waiting: 'unseen' } },
      { clock: new ManualClock(now) },
    );
    expect(unseen.inbox!.status).toBe('WARN');
    expect(unseen.inbox!.metrics).toMatchObject({ waitingMessages: 1, oldestWaitingSeconds: 45 * 60 });
    // The probe fetched the unread message with BODY.PEEK: it is still unread.
    expect(serverState(address)).toBe(before);
  });

  it('an oversized message: WARN, listed with UID/size/sender/subject, left out of the age; not moved by default', async () => {
    const { address, token } = await mailbox();
    const big = raw(9, 'Scan | 300 pages', 5000);
    const { uids } = await lab().seedMessages(address, 'INBOX', [
      { raw: big, internalDate: new Date(now.getTime() - 300 * MIN).toISOString() },
      { raw: raw(2, 'small'), internalDate: new Date(now.getTime() - 5 * MIN).toISOString() },
    ]);
    const before = serverState(address);
    const r = await run(
      address,
      token,
      { inbox: { maxMessageBytes: 2000 } },
      { clock: new ManualClock(now) },
    );
    expect(r.inbox!.status).toBe('WARN');
    expect(r.inbox!.metrics).toMatchObject({
      oversizedMessages: 1,
      oldestWaitingSeconds: 300,
      waitingMessages: 1,
    });
    expect(r.inbox!.details!.oversized).toEqual([
      {
        uid: uids[0],
        size: big.length,
        date: new Date(Math.floor((now.getTime() - 300 * MIN) / 1000) * 1000).toISOString(),
        sender: `Customer 9 <customer9@example.org>`,
        subject: 'Scan | 300 pages',
        // What a "Move to <folder>" link finds the message by, with the folder's UIDVALIDITY.
        messageId: expect.stringMatching(/^<m9-[0-9a-f-]+@example\.org>$/),
      },
    ]);
    expect(r.inbox!.details!.uidValidity).toMatch(/^\d+$/);
    expect(r.inbox!.details!.moved).toBeUndefined();
    expect(serverState(address)).toBe(before);
  });

  it('opt-in moveOversizedTo: moved (folder created), verified by COPYUID, reported; nothing else touched', async () => {
    const { address, token } = await mailbox();
    const { uids } = await lab().seedMessages(address, 'INBOX', [
      { raw: raw(1, 'huge', 5000), internalDate: new Date(now.getTime() - 20 * MIN).toISOString() },
      { raw: raw(2, 'fine'), internalDate: new Date(now.getTime() - 2 * MIN).toISOString() },
    ]);
    const r = await run(address, token, { inbox: { maxMessageBytes: 2000, moveOversizedTo: 'Too Large' } });
    expect(r.inbox!.status).toBe('WARN');
    expect(r.inbox!.details!.moved).toEqual({ to: 'Too Large', uids: [uids[0]], verified: true });
    expect(r.inbox!.metrics.movedMessages).toBe(1);
    const inbox = await lab().listMessages(address, 'INBOX');
    expect(inbox.map((m) => m.uid)).toEqual([uids[1]]);
    expect(inbox[0]!.flags).not.toContain('\\Seen');
    const moved = await lab().listMessages(address, 'Too Large');
    expect(moved).toHaveLength(1);
    expect(moved[0]!.flags).not.toContain('\\Seen');
    // The next run finds nothing oversized: OK again.
    const again = await run(address, token, {
      inbox: { maxMessageBytes: 2000, moveOversizedTo: 'Too Large' },
    });
    expect(again.inbox!.status).toBe('OK');
  });

  it('a junk pile: WARN above warnUnreviewed with exact counts; arrivals since the last review', async () => {
    const { address, token } = await mailbox();
    const pile = Array.from({ length: 25 }, (_, i) => ({
      raw: raw(100 + i, `spam ${i}`),
      // 10 arrived in the last 24 h (1 h apart), 15 over the days before.
      internalDate: new Date(
        now.getTime() - (i < 10 ? (i + 1) * 60 * MIN : (30 + i) * 60 * MIN),
      ).toISOString(),
    }));
    await lab().seedMessages(address, 'Junk Email', pile);
    const before = serverState(address);
    const never = await run(address, token, {}, { clock: new ManualClock(now) });
    expect(never.junk!.status).toBe('WARN');
    expect(never.junk!.metrics).toEqual({ junkMessages: 25, junkArrivals24h: 10, junkUnreviewed: 25 });
    const reviewed = await run(
      address,
      token,
      {},
      {
        clock: new ManualClock(now),
        lastSpamReviewAt: new Date(now.getTime() - 5.5 * 60 * MIN),
      },
    );
    expect(reviewed.junk!.status).toBe('OK');
    expect(reviewed.junk!.metrics).toEqual({ junkMessages: 25, junkArrivals24h: 10, junkUnreviewed: 5 });
    expect(serverState(address)).toBe(before);
  });
});
