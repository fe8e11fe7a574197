/**
 * Does a check's cost depend on the size of the folder it reads? Two cases, each side by side in one run, every
 * IMAP command and byte counted at the server side of a TLS-terminating proxy (imap-count-proxy.ts):
 *
 * - `inbox-size`: the inbox check on an Inbox of 100,000 messages vs one of 100 (target ≤ 1.5×), with
 *   `inbox.waiting` "all" and "unseen" (every 10th message unread). Time of the check, IMAP bytes both ways,
 *   commands; median of R rounds after one warm-up each (Dovecot builds its index on the first open: shown apart).
 * - `sent-quota-busy`: Sent Items of a busy desk — 10,000 messages in the last 24 h plus 40,000 older — vs one of
 *   50 messages: the first run's recount once, then R incremental runs, each after 10 new messages (target for
 *   the incremental run ≤ 1.2× the 50-message one).
 *
 * The folders are written straight into Dovecot's maildir (lab/maildir-seed.ts: seconds for 100,000 messages, where
 * IMAP APPEND takes minutes); the 10 new sent messages go in by APPEND, as mail arrives on a live server.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ImapFlow } from 'imapflow';
import { seedMaildir, type MaildirMessage } from '../lab/maildir-seed.js';
import { inboxCheck } from '../src/shared/checks/inbox.js';
import { sentQuotaCheck } from '../src/shared/checks/sent-quota.js';
import type { Check } from '../src/shared/checks/types.js';
import type { MailboxConfig } from '../src/shared/config/index.js';
import type { CheckResult } from '../src/shared/contracts.js';
import { createMemoryStore } from '../src/shared/state/memory-store.js';
import type { StateStore } from '../src/shared/state/ports.js';
import {
  checkContextOver,
  benchEndpoints,
  benchLab,
  dovecotOrReason,
  fmtMs,
  mailboxDoc,
  median,
  note,
  printTable,
  ratio,
  parseMailboxes,
} from './bench-lab.js';
import { formatByName, formatServerMs, startCountingProxy, type CountingProxy } from './imap-count-proxy.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const CLIENT = 'bbbbbbbb-0000-4000-8000-000000000002';

export interface FolderSizeOptions {
  rounds?: number;
}

interface Side {
  label: string;
  mailbox: MailboxConfig;
  token: string;
}

interface Measured {
  ms: number;
  up: number;
  down: number;
  commands: string[];
  serverMs: Map<string, number>;
  result: CheckResult;
}

function small(i: number, from: string, to: string): string {
  return (
    `From: ${from}\r\nTo: ${to}\r\nSubject: [T-${i}] ticket ${i}\r\n` +
    `Message-ID: <b${i}-${randomUUID().slice(0, 8)}@bench.example>\r\n\r\nHello, ticket ${i}.\r\n`
  );
}

/**
 * Has Dovecot write its index of a folder seeded straight into the maildir, as a server that received the mail
 * would have: read-only sessions (EXAMINE, all the monitor opens) do not save the index they build, so without
 * this every session would rescan 100,000 files — a cost of the seeding, not of any server's steady state.
 */
function buildIndex(user: string, folder: string): void {
  const e = benchEndpoints();
  execFileSync('doveadm', ['-c', e.doveadm!.configPath, 'force-resync', '-u', user, folder]);
}

/** A lab user and a token for it; its folders are seeded by the caller before any IMAP session opens them. */
async function side(label: string, domain: string, tenantId: string, port: number): Promise<Side> {
  const l = benchLab();
  const e = benchEndpoints();
  const address = `${l.unique(label)}@${domain}`;
  await l.addUser(tenantId, { upn: address, password: randomUUID(), scopes: ['IMAP.AccessAsUser.All'] });
  const { access_token: token } = await l.mintToken({
    tenantId,
    clientId: CLIENT,
    upn: address,
    scopes: ['IMAP.AccessAsUser.All'],
    lifetimeSeconds: 3600,
  });
  const doc = mailboxDoc(e, {
    id: label,
    address,
    tenantId,
    clientId: CLIENT,
    auth: { mode: 'password', password: { env: 'UNUSED' } },
  });
  (doc.cloud as Record<string, unknown>).imapPort = port;
  return { label, mailbox: parseMailboxes([{ ...doc, deadlineSeconds: 300 }])[0]!, token };
}

/** One check over its own session through the proxy; only the check itself is measured (not the login). */
async function measure(
  proxy: CountingProxy,
  s: Side,
  check: Check,
  store: StateStore,
  now: Date,
  mailbox: MailboxConfig = s.mailbox,
): Promise<Measured> {
  const client = new ImapFlow({
    host: mailbox.cloud.imapHost,
    port: proxy.port,
    secure: true,
    auth: { user: mailbox.address, accessToken: s.token },
    logger: false,
  });
  await client.connect();
  try {
    proxy.reset();
    const ctx = checkContextOver(client, mailbox, store, now, 5 * MIN);
    const t0 = performance.now();
    const result = await check(ctx);
    const ms = performance.now() - t0;
    const c = proxy.counts();
    return { ms, up: c.up, down: c.down, commands: c.commands, serverMs: c.serverMs, result };
  } finally {
    await client.logout().catch(() => undefined);
  }
}

function row(label: string, big: Measured[], small: Measured[], pick: (m: Measured) => number): string[] {
  const b = median(big.map(pick));
  const s = median(small.map(pick));
  return [label, pick === msOf ? fmtMs(b) : String(b), pick === msOf ? fmtMs(s) : String(s), ratio(b, s)];
}
const msOf = (m: Measured) => m.ms;
const downOf = (m: Measured) => m.down;
const upOf = (m: Measured) => m.up;
const cmdsOf = (m: Measured) => m.commands.length;

async function withProxy<T>(run: (proxy: CountingProxy) => Promise<T>): Promise<T | undefined> {
  const e = benchEndpoints();
  const why = dovecotOrReason(e);
  if (why) {
    note(`skipped: ${why}`);
    return undefined;
  }
  const proxy = await startCountingProxy(e.labDir, e.imap!);
  try {
    return await run(proxy);
  } finally {
    await proxy.close();
  }
}

export async function benchInboxSize(opts: FolderSizeOptions = {}): Promise<void> {
  const rounds = opts.rounds ?? 3;
  await withProxy(async (proxy) => {
    const e = benchEndpoints();
    const l = benchLab();
    const tenantId = randomUUID();
    const domain = `${l.unique('inbox')}.example`;
    await l.addTenant(tenantId, [domain]);
    const big = await side('inbox-100k', domain, tenantId, proxy.port);
    const tiny = await side('inbox-100', domain, tenantId, proxy.port);
    const now = new Date(Math.floor(Date.now() / MIN) * MIN);
    // Oldest first over the last 30 days (UID order = arrival order); every 10th unread.
    const inbox = (n: number, to: string) =>
      (function* (): Generator<MaildirMessage> {
        for (let i = 0; i < n; i++)
          yield {
            raw: small(i, 'caller@customer.example', to),
            internalDate: new Date(now.getTime() - 30 * 24 * HOUR + Math.floor((i / n) * 30 * 24 * HOUR)),
            ...(i % 10 === 0 ? {} : { flags: 'S' }),
          };
      })();
    const t0 = performance.now();
    seedMaildir(e.labDir, big.mailbox.address, 'INBOX', inbox(100_000, big.mailbox.address));
    seedMaildir(e.labDir, tiny.mailbox.address, 'INBOX', inbox(100, tiny.mailbox.address));
    note(`seeded 100,000 + 100 Inbox messages into the maildirs in ${fmtMs(performance.now() - t0)} ms`);
    const t1 = performance.now();
    buildIndex(big.mailbox.address, 'INBOX');
    buildIndex(tiny.mailbox.address, 'INBOX');
    note(
      `Dovecot's index of the seeded folders built (doveadm force-resync) in ${fmtMs(performance.now() - t1)} ms`,
    );
    const store = createMemoryStore();
    const warm = await measure(proxy, big, inboxCheck, store, now);
    await measure(proxy, tiny, inboxCheck, store, now);
    note(`first open of the 100,000-message Inbox (Dovecot builds its index): ${fmtMs(warm.ms)} ms`);
    for (const waiting of ['all', 'unseen'] as const) {
      const cfg = (s: Side) => ({ ...s.mailbox, inbox: { ...s.mailbox.inbox, waiting } });
      const b: Measured[] = [];
      const t: Measured[] = [];
      for (let r = 0; r < rounds; r++) {
        b.push(await measure(proxy, big, inboxCheck, store, now, cfg(big)));
        t.push(await measure(proxy, tiny, inboxCheck, store, now, cfg(tiny)));
      }
      printTable(
        `Inbox check, inbox.waiting "${waiting}": 100,000 vs 100 messages (median of ${rounds}, counted at the server)`,
        [
          ['figure', '100,000', '100', 'ratio'],
          row('check ms', b, t, msOf),
          row('IMAP bytes server→client', b, t, downOf),
          row('IMAP bytes client→server', b, t, upOf),
          row('IMAP commands', b, t, cmdsOf),
        ],
      );
      const last = (xs: Measured[]) => xs[xs.length - 1]!;
      note(`commands (100,000): ${formatByName(last(b).commands)}`);
      note(`commands (100): ${formatByName(last(t).commands)}`);
      note(`server answer time (100,000, last round): ${formatServerMs(last(b).serverMs)}`);
      note(`server answer time (100, last round): ${formatServerMs(last(t).serverMs)}`);
      const m = (x: Measured) =>
        `${x.result.status}, waiting ${String(x.result.metrics.waitingMessages)}, oldest ${String(x.result.metrics.oldestWaitingSeconds)} s`;
      note(`results: 100,000 → ${m(last(b))}; 100 → ${m(last(t))}`);
    }
  });
}

export async function benchSentQuotaBusy(opts: FolderSizeOptions = {}): Promise<void> {
  const rounds = opts.rounds ?? 3;
  await withProxy(async (proxy) => {
    const e = benchEndpoints();
    const l = benchLab();
    const tenantId = randomUUID();
    const domain = `${l.unique('busy')}.example`;
    await l.addTenant(tenantId, [domain]);
    const busy = await side('sent-50k', domain, tenantId, proxy.port);
    const quiet = await side('sent-50', domain, tenantId, proxy.port);
    const now = new Date(Math.floor(Date.now() / MIN) * MIN);
    let seq = 0;
    const sent = (from: string, older: number, recent: number) =>
      (function* (): Generator<MaildirMessage> {
        for (let k = 0; k < older; k++)
          yield {
            raw: small(seq++, from, `caller${k}@customer.example`),
            internalDate: new Date(now.getTime() - 30 * 24 * HOUR + k * 55_000),
            flags: 'S',
          };
        // The last 24 h (the newest 2 minutes old), one recipient each: a desk's ticket notifications.
        for (let k = 0; k < recent; k++)
          yield {
            raw: small(seq++, from, `caller${k}@customer.example`),
            internalDate: new Date(
              now.getTime() - 23 * HOUR - 58 * MIN + Math.floor((k / recent) * 23 * HOUR),
            ),
            flags: 'S',
          };
      })();
    const t0 = performance.now();
    seedMaildir(e.labDir, busy.mailbox.address, 'Sent Items', sent(busy.mailbox.address, 40_000, 10_000));
    seedMaildir(e.labDir, quiet.mailbox.address, 'Sent Items', sent(quiet.mailbox.address, 0, 50));
    note(`seeded 50,000 + 50 Sent Items messages into the maildirs in ${fmtMs(performance.now() - t0)} ms`);
    buildIndex(busy.mailbox.address, 'Sent Items');
    buildIndex(quiet.mailbox.address, 'Sent Items');

    const stores = new Map<Side, StateStore>([
      [busy, createMemoryStore()],
      [quiet, createMemoryStore()],
    ]);
    const first = new Map<Side, Measured>();
    for (const s of [busy, quiet]) first.set(s, await measure(proxy, s, sentQuotaCheck, stores.get(s)!, now));
    const inc = new Map<Side, Measured[]>([
      [busy, []],
      [quiet, []],
    ]);
    let clock = now.getTime();
    for (let r = 0; r < rounds; r++) {
      clock += 5 * MIN; // the next scheduled run
      for (const s of [busy, quiet]) {
        await l.seedMessages(
          s.mailbox.address,
          'Sent Items',
          Array.from({ length: 10 }, (_, k) => ({
            raw: small(seq++, s.mailbox.address, `new${k}@customer.example`),
            internalDate: new Date(clock - (10 - k) * 1000).toISOString(),
            flags: ['\\Seen'],
          })),
        );
        inc.get(s)!.push(await measure(proxy, s, sentQuotaCheck, stores.get(s)!, new Date(clock)));
      }
    }
    const f = (s: Side) => [first.get(s)!];
    printTable('Sent-quota first run (24 h recount, one run each): 10,000 + 40,000 older vs 50 messages', [
      ['figure', '50,000', '50', 'ratio'],
      row('check ms', f(busy), f(quiet), msOf),
      row('IMAP bytes server→client', f(busy), f(quiet), downOf),
      row('IMAP bytes client→server', f(busy), f(quiet), upOf),
      row('IMAP commands', f(busy), f(quiet), cmdsOf),
    ]);
    note(`commands (50,000): ${formatByName(first.get(busy)!.commands)}`);
    note(`commands (50): ${formatByName(first.get(quiet)!.commands)}`);
    note(`server answer time (50,000): ${formatServerMs(first.get(busy)!.serverMs)}`);
    const b = inc.get(busy)!;
    const q = inc.get(quiet)!;
    printTable(
      `Sent-quota incremental run after 10 new: 10,000 + 40,000 older vs 50 messages (median of ${rounds})`,
      [
        ['figure', '50,000', '50', 'ratio'],
        row('check ms', b, q, msOf),
        row('IMAP bytes server→client', b, q, downOf),
        row('IMAP bytes client→server', b, q, upOf),
        row('IMAP commands', b, q, cmdsOf),
      ],
    );
    note(`commands (incremental, 50,000): ${formatByName(b[b.length - 1]!.commands)}`);
    note(
      `server answer time (incremental, last round): 50,000 — ${formatServerMs(b[b.length - 1]!.serverMs)}; 50 — ${formatServerMs(q[q.length - 1]!.serverMs)}`,
    );
    const m = (x: Measured) =>
      `${String(x.result.details?.mode)}: ${String(x.result.metrics.newMessages)} new, ${String(x.result.metrics.messages24h)} in 24 h`;
    note(
      `results: first ${m(first.get(busy)!)} / ${m(first.get(quiet)!)}; last incremental ${m(b[b.length - 1]!)} / ${m(q[q.length - 1]!)}`,
    );
  });
}
