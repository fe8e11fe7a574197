/**
 * The sent-quota check end to end: Sent Items in the lab's Dovecot (read over XOAUTH2, Exchange's capability list,
 * so the folder is found by name), the ledger in the lab's Azurite. Counts are exact across incremental runs, a
 * recreated folder (new UIDVALIDITY) is recounted, and a crash between two ledger transactions neither loses nor
 * double-counts.
 */
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { parseConfig } from '../../src/shared/config/index.js';
import type { CheckResult } from '../../src/shared/contracts.js';
import { silentLogger } from '../../src/shared/logger.js';
import { sentQuotaCheck } from '../../src/shared/checks/sent-quota.js';
import type { CheckContext } from '../../src/shared/checks/types.js';
import type { StateStore } from '../../src/shared/state/ports.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';
import { labTableStore } from '../state/lab-tables.js';
import { bucketRowKey } from '../../src/shared/quota/ledger.js';
import { crashingAt } from './crashing-store.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

const HAS_DOVECOT = requireDovecot();
const MIN = 60_000;
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

function raw(i: number, to: number, cc: number, bcc: number): string {
  const list = (p: string, n: number) =>
    Array.from({ length: n }, (_, k) => `${p}${i}-${k}@example.net`).join(', ');
  return (
    'From: desk@example.org\r\n' +
    (to ? `To: ${list('to', to)}\r\n` : '') +
    (cc ? `Cc: ${list('cc', cc)}\r\n` : '') +
    (bcc ? `Bcc: ${list('bcc', bcc)}\r\n` : '') +
    `Subject: reply ${i}\r\nMessage-ID: <s${i}-${randomUUID()}@example.org>\r\n\r\nbody\r\n`
  );
}

describe.runIf(HAS_DOVECOT)('sent-quota against Dovecot and Azurite', () => {
  const tenantId = randomUUID();
  const now = new Date(Math.floor(Date.now() / MIN) * MIN);
  const sessions: ImapFlow[] = [];
  let store: StateStore;

  beforeAll(async () => {
    await lab().addTenant(tenantId, ['example.org']);
    store = await labTableStore();
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.logout().catch(() => undefined);
  });

  async function mailbox() {
    const l = lab();
    const address = `${l.unique('sender')}@example.org`;
    await l.addUser(tenantId, { upn: address, password: randomUUID(), scopes: ['IMAP.AccessAsUser.All'] });
    const { access_token } = await l.mintToken({
      tenantId,
      clientId: CLIENT,
      upn: address,
      scopes: ['IMAP.AccessAsUser.All'],
    });
    return { address, token: access_token };
  }

  async function run(
    address: string,
    token: string,
    s: StateStore | undefined,
    at = now,
  ): Promise<CheckResult> {
    const imap = labEndpoints().imap!;
    const client = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: true,
      auth: { user: address, accessToken: token },
      logger: false,
    });
    sessions.push(client);
    await client.connect();
    const { config } = parseConfig(
      {
        mailboxes: [
          {
            id: address.split('@')[0],
            address,
            tenantId,
            clientId: CLIENT,
            auth: { mode: 'password', password: { env: 'UNUSED' } },
            cloud: { imapHost: imap.host, imapPort: imap.port },
          },
        ],
      },
      'test',
    );
    const clock = new ManualClock(at);
    const ctx: CheckContext = {
      mailbox: config.mailboxes[0]!,
      clock,
      logger: silentLogger,
      deadline: {
        at: new Date(at.getTime() + MIN),
        signal: new AbortController().signal,
        remainingMs: () => MIN,
      },
      secrets: () => 'unused',
      tokens: {
        acquire: async () => ({
          ok: false,
          failure: {
            code: 'EUNUSED',
            fault: 'setup',
            transient: false,
            message: '',
            remediation: { cause: 'x', fix: 'y' },
            retries: 0,
          },
        }),
      },
      imap: { client: () => client, open: async () => client, close: async () => undefined },
      results: new Map([
        [
          'imap-login',
          {
            check: 'imap-login',
            mailbox: 'x',
            status: 'OK',
            summary: 'ok',
            metrics: {},
            durationMs: 1,
            at: at.toISOString(),
          },
        ],
      ]),
      smtp: { verify: () => Promise.reject(new Error('no SMTP in the sent-quota test')) },
      // Without a store of its own the check gets a fresh in-memory one: no history, as in a CLI run.
      state: s ?? createMemoryStore(),
    };
    const result = await sentQuotaCheck(ctx);
    await client.logout();
    return result;
  }

  /** The folder's UIDVALIDITY, read as a test set-up step over the user's own session. */
  async function sentUidValidity(address: string, token: string): Promise<number> {
    const imap = labEndpoints().imap!;
    const c = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: true,
      auth: { user: address, accessToken: token },
      logger: false,
    });
    sessions.push(c);
    await c.connect();
    const st = await c.status('Sent Items', { uidValidity: true });
    await c.logout();
    return Number(st.uidValidity);
  }

  it('counts To+Cc+Bcc per message exactly and incrementally', async () => {
    const { address, token } = await mailbox();
    const l = lab();
    await l.seedMessages(address, 'Sent Items', [
      { raw: raw(1, 2, 1, 1), internalDate: new Date(now.getTime() - 30 * MIN).toISOString() },
      { raw: raw(2, 1, 0, 0), internalDate: new Date(now.getTime() - 20 * MIN).toISOString() },
      // 25 h ago: outside the rolling window, never counted.
      { raw: raw(3, 5, 0, 0), internalDate: new Date(now.getTime() - 25 * 60 * MIN).toISOString() },
    ]);
    const first = await run(address, token, store);
    expect(first.status).toBe('OK');
    expect(first.metrics).toMatchObject({ recipients24h: 5, messages24h: 2, recipientsLastHour: 5 });
    expect(first.details).toMatchObject({
      folder: 'Sent Items',
      foundBy: 'name',
      mode: 'recount',
      reason: 'no-watermark',
    });
    // 5 recipients an hour would take far more than 24 h to reach 10,000: no projection is shown.
    expect(first.summary).toMatch(
      /^5 of 10,000 recipients in 24 h \(0\.1 %\); busiest minute \d{4}-\d\d-\d\d \d\d:\d\d UTC with 1 message \(limit 30 a minute\)/,
    );
    expect(first.summary).not.toContain('limit is reached');

    await l.seedMessages(address, 'Sent Items', [
      { raw: raw(4, 3, 3, 3), internalDate: new Date(now.getTime() - 5 * MIN).toISOString() },
    ]);
    const second = await run(address, token, store);
    expect(second.details).toMatchObject({ mode: 'incremental' });
    expect(second.metrics).toMatchObject({ recipients24h: 14, messages24h: 3, newMessages: 1 });
    const third = await run(address, token, store);
    expect(third.metrics).toMatchObject({ recipients24h: 14, newMessages: 0 });
  });

  it('recounts the last 24 h when UIDVALIDITY changes (folder recreated)', async () => {
    const { address, token } = await mailbox();
    const l = lab();
    await l.seedMessages(address, 'Sent Items', [
      { raw: raw(1, 4, 0, 0), internalDate: new Date(now.getTime() - 10 * MIN).toISOString() },
    ]);
    expect((await run(address, token, store)).metrics.recipients24h).toBe(4);
    // Recreate the folder (test set-up through the user's own session; the monitor itself never does this).
    const imap = labEndpoints().imap!;
    const admin = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: true,
      auth: { user: address, accessToken: token },
      logger: false,
    });
    sessions.push(admin);
    await admin.connect();
    await admin.mailboxDelete('Sent Items');
    await admin.mailboxCreate('Sent Items');
    await admin.logout();
    await l.seedMessages(address, 'Sent Items', [
      { raw: raw(2, 1, 1, 0), internalDate: new Date(now.getTime() - 3 * MIN).toISOString() },
    ]);
    const after = await run(address, token, store);
    expect(after.details).toMatchObject({ mode: 'recount', reason: 'uidvalidity-changed' });
    expect(after.metrics).toMatchObject({ recipients24h: 2, messages24h: 1 });
  });

  it('a crash between two ledger transactions neither loses nor double-counts', async () => {
    const { address, token } = await mailbox();
    // 150 messages in 150 different minutes: more bucket rows than one transaction holds.
    const messages = Array.from({ length: 150 }, (_, i) => ({
      raw: raw(i, 1, 1, 0),
      internalDate: new Date(now.getTime() - (200 - i) * MIN).toISOString(),
    }));
    await lab().seedMessages(address, 'Sent Items', messages);
    const crashed = await run(address, token, crashingAt(store, 2));
    expect(crashed.status).toBe('UNKNOWN');
    expect(crashed.summary).toContain('simulated crash');
    const resumed = await run(address, token, store);
    expect(resumed.details).toMatchObject({ mode: 'incremental' });
    // The first transaction held up to 99 rows besides the watermark: minute buckets and their hours' rows.
    const minutes = messages.map((m) => Math.floor(Date.parse(m.internalDate) / MIN));
    let landed = 0;
    while (
      landed < 150 &&
      landed + new Set(minutes.slice(0, landed + 1).map((m) => Math.floor(m / 60))).size < 99
    )
      landed++;
    expect(resumed.metrics).toMatchObject({
      recipients24h: 300,
      messages24h: 150,
      newMessages: 150 - landed,
    });
  });

  it('works with the memory store, and without a store by recounting each run', async () => {
    const { address, token } = await mailbox();
    await lab().seedMessages(address, 'Sent Items', [
      { raw: raw(1, 2, 2, 0), internalDate: new Date(now.getTime() - 7 * MIN).toISOString() },
    ]);
    const memory = createMemoryStore();
    expect((await run(address, token, memory)).details).toMatchObject({ mode: 'recount' });
    const again = await run(address, token, memory);
    expect(again.details).toMatchObject({ mode: 'incremental' });
    expect(again.metrics).toMatchObject({ recipients24h: 4, newMessages: 0 });
    const stateless = await run(address, token, undefined);
    expect(stateless.details).toMatchObject({ mode: 'recount' });
    expect(stateless.metrics).toMatchObject({ recipients24h: 4 });
  });

  it('reads bounded ranges of the ledger, and lists the whole partition only to prune after a new generation began', async () => {
    const { address, token } = await mailbox();
    await lab().seedMessages(address, 'Sent Items', [
      { raw: raw(1, 1, 0, 0), internalDate: new Date(now.getTime() - 9 * MIN).toISOString() },
      { raw: raw(2, 2, 0, 0), internalDate: new Date(now.getTime() - 8 * MIN).toISOString() },
    ]);
    const memory = createMemoryStore();
    const t = memory.ledger;
    let lists = 0;
    let ranges = 0;
    const counting: StateStore = {
      ...memory,
      ledger: {
        get: (pk, rk) => t.get(pk, rk),
        list: (pk) => {
          lists++;
          return t.list(pk);
        },
        range: (pk, r) => {
          ranges++;
          return t.range(pk, r);
        },
        create: (pk, rk, v) => t.create(pk, rk, v),
        replace: (pk, rk, v, e) => t.replace(pk, rk, v, e),
        upsert: (pk, rk, v) => t.upsert(pk, rk, v),
        delete: (pk, rk, e) => t.delete(pk, rk, e),
        transact: (pk, ops) => t.transact(pk, ops),
      },
    };
    const first = await run(address, token, counting);
    expect(first.metrics).toMatchObject({ recipients24h: 3, messages24h: 2, newMessages: 2 });
    expect(lists).toBe(1); // a new generation: the old one's rows are pruned at once
    await lab().seedMessages(address, 'Sent Items', [
      { raw: raw(3, 4, 0, 0), internalDate: new Date(now.getTime() - 2 * MIN).toISOString() },
    ]);
    const second = await run(address, token, counting, new Date(now.getTime() + 5 * MIN));
    expect(second.details).toMatchObject({ mode: 'incremental' });
    expect(second.metrics).toMatchObject({ recipients24h: 7, messages24h: 3, newMessages: 1 });
    expect({ lists, ranges }).toEqual({ lists: 1, ranges: 3 }); // hours, the oldest partial hour, the last 61 min
    // An hour on, the pruning pass is due: it reads the rows past 48 h (two more ranges), not the partition.
    const later = await run(address, token, counting, new Date(now.getTime() + 66 * MIN));
    expect(later.metrics).toMatchObject({ recipients24h: 7, messages24h: 3, newMessages: 0 });
    expect({ lists, ranges }).toEqual({ lists: 1, ranges: 8 });
  });

  it('recounts a ledger written before hour rows existed instead of summing hours never built', async () => {
    const { address, token } = await mailbox();
    await lab().seedMessages(address, 'Sent Items', [
      { raw: raw(1, 2, 0, 0), internalDate: new Date(now.getTime() - 90 * MIN).toISOString() },
      { raw: raw(2, 3, 0, 0), internalDate: new Date(now.getTime() - 4 * MIN).toISOString() },
    ]);
    const memory = createMemoryStore();
    // The ledger as the check wrote it before: minute buckets and a watermark past both UIDs, no hour rows.
    const gen = `1.${now.getTime() - 100 * MIN}`;
    for (const [ago, recipients] of [
      [90, 2],
      [4, 3],
    ] as const) {
      const minute = new Date(now.getTime() - ago * MIN);
      await memory.ledger.upsert(address.split('@')[0]!, bucketRowKey(gen, minute), {
        kind: 'bucket',
        generation: gen,
        minute: minute.toISOString(),
        messages: 1,
        recipients,
      });
    }
    await memory.ledger.upsert(address.split('@')[0]!, 'watermark', {
      kind: 'watermark',
      folder: 'Sent Items',
      uidValidity: await sentUidValidity(address, token),
      generation: gen,
      lastUid: 2,
      updatedAt: new Date(now.getTime() - 3 * MIN).toISOString(),
    });
    const upgraded = await run(address, token, memory);
    expect(upgraded.details).toMatchObject({ mode: 'recount', reason: 'ledger-upgrade' });
    expect(upgraded.metrics).toMatchObject({ recipients24h: 5, messages24h: 2, newMessages: 2 });
    const rows = await memory.ledger.list(address.split('@')[0]!);
    expect(rows.filter((r) => r.value.kind !== 'watermark' && r.value.generation === gen)).toEqual([]);
    expect(rows.filter((r) => r.value.kind === 'hour')).toHaveLength(2);
    const next = await run(address, token, memory, new Date(now.getTime() + 5 * MIN));
    expect(next.details).toMatchObject({ mode: 'incremental' });
    expect(next.metrics).toMatchObject({ recipients24h: 5, newMessages: 0 });
  });
});
