/**
 * The inbox check's `unseen` mode against the lab's Dovecot (which names the first unread message in EXAMINE's
 * `OK [UNSEEN n]`), every byte counted at the server side of a TLS-terminating proxy: the waiting count and the
 * oldest waiting message are exact whether the unread messages are spread, start with oversized ones, are absent
 * or are only the last one — and no answer lists every unread message: 3,000 messages cost at most 1.5× the
 * bytes of 100 with the same share unread. Read-only: EXAMINE only, every flag as it was.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../../bench/imap-count-proxy.js';
import { seedMaildir, type MaildirMessage } from '../../lab/maildir-seed.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { CheckResult } from '../../src/shared/contracts.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { byCheck, CLIENT, expectValid, fixedTokens, mailboxConfig, testRegistry } from './helpers.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

const HAS_DOVECOT = requireDovecot();
const MIN = 60_000;
const MAX = 2000;

interface Spec {
  unread?: boolean;
  big?: boolean;
}

function raw(i: number, big = false): string {
  return (
    `From: caller${i}@customer.example\r\nTo: desk@unseen.example\r\nSubject: ticket ${i}\r\n` +
    `Message-ID: <u${i}-${randomUUID()}@customer.example>\r\n\r\n${'x'.repeat(big ? MAX * 2 : 40)}\r\n`
  );
}

describe.runIf(HAS_DOVECOT)('inbox check, waiting "unseen": exact and bounded', () => {
  const tenantId = randomUUID();
  const now = new Date(Math.floor(Date.now() / MIN) * MIN);
  let proxy: CountingProxy;
  beforeAll(async () => {
    await lab().addTenant(tenantId, ['unseen.example']);
    proxy = await startCountingProxy(labEndpoints().labDir, labEndpoints().imap!);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  const doveadm = (...args: string[]) =>
    execFileSync('doveadm', ['-c', labEndpoints().doveadm!.configPath, ...args], { encoding: 'utf8' });

  /** Message i (0-based, oldest first) arrived `ageMin(i)` minutes ago: one a minute, the newest 10 min ago. */
  const ageMin = (n: number, i: number) => n - i + 9;

  /** A fresh desk whose Inbox holds `specs` in order (UID order = arrival order), written straight to the maildir. */
  async function desk(specs: Spec[]) {
    const l = lab();
    const address = `${l.unique('unseen')}@unseen.example`;
    const token = await l.imapUser(tenantId, CLIENT, address);
    const n = specs.length;
    const messages = specs.map((s, i): MaildirMessage => ({
      raw: raw(i, s.big),
      internalDate: new Date(now.getTime() - ageMin(n, i) * MIN),
      ...(s.unread ? {} : { flags: 'S' }),
    }));
    seedMaildir(labEndpoints().labDir, address, 'INBOX', messages);
    return { address, token, n };
  }

  /** One inbox check through the counting proxy: the result, and the session's commands and bytes. */
  async function check(d: { address: string; token: string }): Promise<{
    r: CheckResult;
    commands: string[];
    down: number;
  }> {
    const cfg = mailboxConfig({
      address: d.address,
      cloud: { imapHost: labEndpoints().imap!.host, imapPort: proxy.port },
      inbox: { maxMessageBytes: MAX, waiting: 'unseen' },
    });
    proxy.reset();
    const results = await runMailbox(cfg, {
      clock: new ManualClock(now),
      logger: silentLogger,
      secrets: () => 'unused',
      tokens: () => fixedTokens(d.token),
      ...mailConnections,
      state: createMemoryStore(),
      checks: testRegistry(['auth', 'imap-login', 'inbox']),
    });
    expectValid(results);
    const c = proxy.counts();
    expect(c.commands).not.toContain('SELECT');
    expect(c.commands).not.toContain('STORE');
    expect(c.commands).not.toContain('UID STORE');
    return { r: byCheck(results).inbox!, commands: c.commands, down: c.down };
  }
  const inboxCommands = (commands: string[]) => commands.slice(commands.indexOf('LIST'), -1);
  const flags = (address: string) => doveadm('fetch', '-u', address, 'uid flags', 'mailbox', 'INBOX');
  const uids = (r: CheckResult) => (r.details?.oversized as Array<{ uid: number }>).map((o) => o.uid);

  it('spread unread: exact count and oldest; 3,000 messages cost ≤ 1.5× the bytes of 100, no answer lists them all', async () => {
    const every10th = (n: number) => Array.from({ length: n }, (_, i): Spec => ({ unread: i % 10 === 3 }));
    const big = await desk(every10th(3000));
    const small = await desk(every10th(100));
    const before = flags(big.address);
    const b = await check(big);
    const s = await check(small);
    expect(b.r.metrics).toMatchObject({ inboxMessages: 3000, waitingMessages: 300, oversizedMessages: 0 });
    expect(b.r.metrics.oldestWaitingSeconds).toBe(ageMin(3000, 3) * 60);
    expect(b.r.details).toMatchObject({
      oldestWaiting: { uid: 4 },
      unseenScan: { firstUnseen: 4, complete: true },
    });
    expect(s.r.metrics).toMatchObject({ waitingMessages: 10, oldestWaitingSeconds: ageMin(100, 3) * 60 });
    // The unread count from STATUS before the EXAMINE; one window of sequence numbers; one FETCH of the dates.
    for (const x of [b, s])
      expect(inboxCommands(x.commands)).toEqual([
        'LIST',
        'STATUS',
        'EXAMINE',
        'SEARCH',
        'SEARCH',
        'FETCH',
        'UID FETCH',
      ]);
    // What differs: the 10 more dates read (the small Inbox has only 10 candidates) and longer numbers. Listing
    // the 300 unread UIDs would add over 1,500 octets more.
    expect(b.down).toBeLessThanOrEqual(1.5 * s.down);
    expect(b.down - s.down).toBeLessThan(1200);
    expect(flags(big.address)).toBe(before);
  });

  it('the first unread messages are oversized: left out of the count and the age, listed as today', async () => {
    // 3 unread oversized, 7 read, then every other one unread (10 of them): 10 waiting, the oldest is message 10.
    const specs: Spec[] = [
      ...Array.from({ length: 3 }, () => ({ unread: true, big: true })),
      ...Array.from({ length: 7 }, () => ({})),
      ...Array.from({ length: 20 }, (_, i) => ({ unread: i % 2 === 0 })),
    ];
    const d = await desk(specs);
    const { r } = await check(d);
    expect(r.metrics).toMatchObject({ inboxMessages: 30, waitingMessages: 10, oversizedMessages: 3 });
    expect(r.metrics.oldestWaitingSeconds).toBe(ageMin(30, 10) * 60);
    expect(r.details).toMatchObject({ oldestWaiting: { uid: 11 }, unseenScan: { firstUnseen: 1 } });
    expect(uids(r)).toEqual([1, 2, 3]);
  });

  it('more oversized unread messages than a result lists, then a long read stretch: the window widens, still exact', async () => {
    // 22 unread oversized, 5,000 read, 5 unread: the window sized for an even spread misses them; the next finds them.
    const specs: Spec[] = [
      ...Array.from({ length: 22 }, () => ({ unread: true, big: true })),
      ...Array.from({ length: 5000 }, () => ({})),
      ...Array.from({ length: 5 }, () => ({ unread: true })),
    ];
    const d = await desk(specs);
    const { r, commands } = await check(d);
    expect(r.metrics).toMatchObject({ inboxMessages: 5027, waitingMessages: 5, oversizedMessages: 22 });
    expect(r.metrics.oldestWaitingSeconds).toBe(ageMin(5027, 5022) * 60);
    expect(r.details).toMatchObject({
      oldestWaiting: { uid: 5023 },
      unseenScan: { found: 5, complete: true },
    });
    expect((r.details!.unseenScan as { searched: string[] }).searched.length).toBeGreaterThan(1);
    expect(uids(r)).toHaveLength(20);
    // SEARCH LARGER, the windows, and SEARCH LARGER UNSEEN for the unread among the 2 oversized not described.
    expect(inboxCommands(commands).filter((c) => c === 'SEARCH').length).toBeGreaterThanOrEqual(4);
  });

  it('nothing unread: 0 waiting, no window searched, nothing fetched', async () => {
    const d = await desk(Array.from({ length: 50 }, () => ({})));
    const { r, commands } = await check(d);
    expect(r.status).toBe('OK');
    expect(r.metrics).toMatchObject({
      inboxMessages: 50,
      waitingMessages: 0,
      oldestWaitingSeconds: 0,
      probeBytes: 0,
    });
    expect(r.details).toMatchObject({ unseenScan: { searched: [], found: 0, complete: true } });
    expect(inboxCommands(commands)).toEqual(['LIST', 'STATUS', 'EXAMINE', 'SEARCH']);
  });

  it('only the last message is unread: found with a one-message window, fetched rather than searched', async () => {
    const d = await desk(Array.from({ length: 500 }, (_, i) => ({ unread: i === 499 })));
    const { r, commands } = await check(d);
    expect(r.metrics).toMatchObject({ waitingMessages: 1, oldestWaitingSeconds: ageMin(500, 499) * 60 });
    expect(r.details).toMatchObject({
      oldestWaiting: { uid: 500 },
      unseenScan: { firstUnseen: 500, fetched: '500:500', searched: [], found: 1, complete: true },
    });
    expect(inboxCommands(commands)).toEqual(['LIST', 'STATUS', 'EXAMINE', 'SEARCH', 'FETCH', 'UID FETCH']);
  });

  it('a backlog after read mail, oversized ones among it: the window is fetched, no SEARCH UNSEEN at all', async () => {
    // 2,000 read, then 300 unread of which the 1st and every 40th are oversized (8).
    const specs: Spec[] = [
      ...Array.from({ length: 2000 }, () => ({})),
      ...Array.from({ length: 300 }, (_, i) => ({ unread: true, big: i % 40 === 0 })),
    ];
    const d = await desk(specs);
    const before = flags(d.address);
    const { r, commands } = await check(d);
    expect(r.metrics).toMatchObject({ inboxMessages: 2300, waitingMessages: 292, oversizedMessages: 8 });
    expect(r.metrics.oldestWaitingSeconds).toBe(ageMin(2300, 2001) * 60);
    expect(r.details).toMatchObject({
      oldestWaiting: { uid: 2002 },
      unseenScan: { firstUnseen: 2001, fetched: '2001:2021', searched: [], complete: true },
    });
    expect(uids(r)).toEqual(Array.from({ length: 8 }, (_, k) => 2001 + 40 * k));
    // As many commands as the mode took before it stopped listing every unread UID, and one fewer than then
    // with oversized messages (their envelopes ride on the window's FETCH).
    expect(inboxCommands(commands)).toEqual(['LIST', 'STATUS', 'EXAMINE', 'SEARCH', 'FETCH', 'UID FETCH']);
    expect(flags(d.address)).toBe(before);
  });
});
