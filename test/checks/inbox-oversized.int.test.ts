/**
 * The inbox check's oversized search against the lab's Dovecot, run after run as the monitor does: the first run
 * asks about the whole folder; once its result is in the state store's `status` table (as the cycle keeps it), the
 * next run asks only about the oversized messages it knew and the ones that arrived since — and still counts
 * exactly: a new oversized message is found, an expunged one is gone, in both waiting modes. A new UIDVALIDITY, a
 * new threshold or a result that could not list them all sends the check back to the whole folder.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { compactResult } from '../../src/shared/alerts/decide.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { CheckResult } from '../../src/shared/contracts.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import type { StateStore } from '../../src/shared/state/ports.js';
import { byCheck, CLIENT, expectValid, fixedTokens, mailboxConfig, testRegistry } from './helpers.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

const HAS_DOVECOT = requireDovecot();
const MIN = 60_000;
const MAX = 2000;

function raw(i: number, bodyBytes = 40): string {
  return (
    `From: caller${i}@customer.example\r\nTo: desk@big.example\r\nSubject: ticket ${i}\r\n` +
    `Message-ID: <o${i}-${randomUUID()}@customer.example>\r\n\r\n${'x'.repeat(bodyBytes)}\r\n`
  );
}

describe.runIf(HAS_DOVECOT)('inbox check: the oversized search after the first run', () => {
  const tenantId = randomUUID();
  const now = new Date(Math.floor(Date.now() / MIN) * MIN);
  beforeAll(async () => {
    await lab().addTenant(tenantId, ['big.example']);
  });

  const doveadm = (...args: string[]) =>
    execFileSync('doveadm', ['-c', labEndpoints().doveadm!.configPath, ...args], { encoding: 'utf8' });

  async function desk() {
    const l = lab();
    const address = `${l.unique('big')}@big.example`;
    const token = await l.imapUser(tenantId, CLIENT, address);
    return { address, token };
  }

  /** Appends messages (true = oversized), oldest first, one a minute ending 10 minutes ago. */
  async function add(address: string, big: boolean[]): Promise<number[]> {
    const { uids } = await lab().seedMessages(
      address,
      'INBOX',
      big.map((b, i) => ({
        raw: raw(i, b ? MAX * 2 : 40),
        internalDate: new Date(now.getTime() - (big.length - i + 9) * MIN).toISOString(),
      })),
    );
    return uids;
  }

  /** One inbox check; its result is then kept in the status table as the cycle keeps it. */
  async function check(
    d: { address: string; token: string },
    store: StateStore,
    inbox: Record<string, unknown> = {},
  ): Promise<CheckResult> {
    const imap = labEndpoints().imap!;
    const cfg = mailboxConfig({
      address: d.address,
      cloud: { imapHost: imap.host, imapPort: imap.port },
      inbox: { maxMessageBytes: MAX, ...inbox },
    });
    const results = await runMailbox(cfg, {
      clock: new ManualClock(now),
      logger: silentLogger,
      secrets: () => 'unused',
      tokens: () => fixedTokens(d.token),
      ...mailConnections,
      state: store,
      checks: testRegistry(['auth', 'imap-login', 'inbox']),
    });
    expectValid(results);
    const r = byCheck(results).inbox!;
    await store.status.upsert(cfg.id, 'inbox', {
      check: 'inbox',
      status: r.status,
      result: compactResult(r),
      since: now.toISOString(),
      consecutiveFailures: 0,
    });
    return r;
  }
  const uidsOf = (r: CheckResult) => (r.details?.oversized as Array<{ uid: number }>).map((o) => o.uid);

  for (const waiting of ['all', 'unseen'] as const) {
    it(`waiting "${waiting}": exact run after run, asking only about what is new`, async () => {
      const d = await desk();
      const store = createMemoryStore();
      const first = await add(d.address, [false, true, false, false, true, false]);
      const r1 = await check(d, store, { waiting });
      expect(r1.details).toMatchObject({ oversizedSearch: 'folder', uidNext: first.at(-1)! + 1 });
      expect(r1.metrics).toMatchObject({ inboxMessages: 6, oversizedMessages: 2, waitingMessages: 4 });
      expect(uidsOf(r1)).toEqual([first[1], first[4]]);

      // One more oversized and one small arrive; one known oversized is expunged (the desk moved it away).
      const next = await add(d.address, [true, false]);
      doveadm('expunge', '-u', d.address, 'mailbox', 'INBOX', 'uid', String(first[1]));
      const r2 = await check(d, store, { waiting });
      expect(r2.details).toMatchObject({ oversizedSearch: 'since-last-run', uidNext: next.at(-1)! + 1 });
      expect(r2.metrics).toMatchObject({ inboxMessages: 7, oversizedMessages: 2, waitingMessages: 5 });
      expect(uidsOf(r2)).toEqual([first[4], next[0]]);

      // Nothing new: still exact, still only the known ones asked about.
      const r3 = await check(d, store, { waiting });
      expect(r3.details).toMatchObject({ oversizedSearch: 'since-last-run' });
      expect(uidsOf(r3)).toEqual([first[4], next[0]]);
    });
  }

  it('trusts only a complete list for the same folder, UIDVALIDITY and threshold', async () => {
    const d = await desk();
    const store = createMemoryStore();
    const uids = await add(d.address, [true, false, false]);
    expect((await check(d, store)).details).toMatchObject({ oversizedSearch: 'folder' });
    // The restriction is really sent: a kept result that (falsely) knew no oversized message below its UIDNEXT
    // makes the server skip the one that is there — which is why only a complete, matching result is trusted.
    const row = (await store.status.get('servicedesk', 'inbox'))!.value;
    const forged = { ...row.result, metrics: { ...row.result.metrics, oversizedMessages: 0 } };
    await store.status.upsert('servicedesk', 'inbox', {
      ...row,
      result: { ...forged, details: { ...forged.details, oversized: [] } },
    });
    expect((await check(d, store)).metrics.oversizedMessages).toBe(0);
    // Another threshold: the whole folder again (and exact again).
    const other = await check(d, store, { maxMessageBytes: MAX + 1 });
    expect(other.details).toMatchObject({ oversizedSearch: 'folder' });
    expect(uidsOf(other)).toEqual([uids[0]]);
    expect((await check(d, store)).details).toMatchObject({ oversizedSearch: 'folder' });
    // A new UIDVALIDITY (the folder recreated under the same name): the whole folder again.
    const before = await check(d, store);
    expect(before.details).toMatchObject({ oversizedSearch: 'since-last-run' });
    const row2 = (await store.status.get('servicedesk', 'inbox'))!.value;
    await store.status.upsert('servicedesk', 'inbox', {
      ...row2,
      result: { ...row2.result, details: { ...row2.result.details, uidValidity: '1' } },
    });
    expect((await check(d, store)).details).toMatchObject({ oversizedSearch: 'folder' });
  });

  it('more oversized messages than a result lists: every run searches the whole folder', async () => {
    const d = await desk();
    const store = createMemoryStore();
    await add(
      d.address,
      Array.from({ length: 22 }, () => true),
    );
    const r1 = await check(d, store);
    expect(r1.metrics.oversizedMessages).toBe(22);
    const r2 = await check(d, store);
    expect(r2.details).toMatchObject({ oversizedSearch: 'folder' });
    expect(r2.metrics.oversizedMessages).toBe(22);
  });
});
