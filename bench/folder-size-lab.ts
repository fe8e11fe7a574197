/**
 * What the folder-size benchmarks (folder-size.ts) share: a lab user per side on one of Dovecot's two storages,
 * large folders seeded without IMAP, one check measured over its own session through the counting proxy, and
 * tables that put both storages side by side.
 *
 * Storages: `maildir` (a file per message; opening a folder reads its directory, so the server's answer time grows
 * with the folder) and `mdbox` (the lab's `db-` users: Dovecot's index says which messages exist and messages are
 * packed many to a file — the closer stand-in for Exchange, which keeps mail in a database).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ImapFlow } from 'imapflow';
import { seedDbox } from '../lab/dbox-seed.js';
import { DBOX_MAILBOX } from '../lab/dovecot-config.js';
import { compactResult } from '../src/shared/alerts/decide.js';
import { seedMaildir, type MaildirMessage } from '../lab/maildir-seed.js';
import type { Check } from '../src/shared/checks/types.js';
import type { MailboxConfig } from '../src/shared/config/index.js';
import type { CheckResult } from '../src/shared/contracts.js';
import type { StateStore } from '../src/shared/state/ports.js';
import {
  benchEndpoints,
  benchLab,
  checkContextOver,
  dovecotOrReason,
  fmtMs,
  mailboxDoc,
  median,
  note,
  parseMailboxes,
  ratio,
} from './bench-lab.js';
import { formatServerMs, startCountingProxy, type CountingProxy } from './imap-count-proxy.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
const CLIENT = 'bbbbbbbb-0000-4000-8000-000000000002';

export const STORAGES = ['maildir', 'mdbox'] as const;
export type Storage = (typeof STORAGES)[number];

export interface Side {
  label: string;
  storage: Storage;
  mailbox: MailboxConfig;
  token: string;
}

export interface Measured {
  ms: number;
  up: number;
  down: number;
  commands: string[];
  serverMs: Map<string, number>;
  result: CheckResult;
}

export function small(i: number, from: string, to: string): string {
  return (
    `From: ${from}\r\nTo: ${to}\r\nSubject: [T-${i}] ticket ${i}\r\n` +
    `Message-ID: <b${i}-${randomUUID().slice(0, 8)}@bench.example>\r\n\r\nHello, ticket ${i}.\r\n`
  );
}

/** A lab user on `storage` and a token for it; its folders are seeded before any IMAP session opens them. */
export async function side(
  label: string,
  storage: Storage,
  domain: string,
  tenantId: string,
  port: number,
): Promise<Side> {
  const l = benchLab();
  const e = benchEndpoints();
  const address = `${l.unique(storage === 'mdbox' ? `${DBOX_MAILBOX.prefix}${label}` : label)}@${domain}`;
  const token = await l.imapUser(tenantId, CLIENT, address);
  const doc = mailboxDoc(e, {
    id: label,
    address,
    tenantId,
    clientId: CLIENT,
    auth: { mode: 'password', password: { env: 'UNUSED' } },
  });
  (doc.cloud as Record<string, unknown>).imapPort = port;
  return { label, storage, mailbox: parseMailboxes([{ ...doc, deadlineSeconds: 300 }])[0]!, token };
}

/**
 * Fills a never-opened folder of `s` and leaves it as a server that received the mail would have it, indexed.
 * maildir: files written straight into the maildir, then `doveadm force-resync` has Dovecot write its index
 * (read-only sessions — all the monitor opens — do not save the index they build, so without it every session
 * would rescan the files: a cost of the seeding, not of a server's steady state). mdbox: through `doveadm import`,
 * which writes the index as it saves. Returns the milliseconds taken.
 */
export async function seedFolder(
  s: Side,
  folder: string,
  messages: Iterable<MaildirMessage>,
): Promise<number> {
  const e = benchEndpoints();
  const conf = e.doveadm!.configPath;
  const t0 = performance.now();
  if (s.storage === 'mdbox') {
    seedDbox(e.labDir, conf, s.mailbox.address, folder, messages);
  } else {
    seedMaildir(e.labDir, s.mailbox.address, folder, messages);
    execFileSync('doveadm', ['-c', conf, 'force-resync', '-u', s.mailbox.address, folder]);
  }
  const ms = performance.now() - t0;
  // The seeding blocked the event loop for seconds: let socket events queued meanwhile (the lab's HTTP server
  // closing an idle keep-alive connection) be handled before the next call to the lab would reuse that socket.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return ms;
}

/**
 * Opens `folder` of `s` once read-write (SELECT) and logs out, as the desk's own client does each time it polls.
 * Dovecot marks every message that no read-write session has yet seen \Recent and, on every EXAMINE, walks them to
 * count them (a session that examines cannot take them over): a folder freshly seeded with 100,000 messages costs
 * Dovecot 3–4 ms per EXAMINE where the same folder after one SELECT costs about 1.3 ms (measured on the lab's
 * mdbox, 2026-12-01). The monitor itself only ever examines — taking \Recent away from the desk's client would
 * change what that client sees — so the benches print both states: as seeded, and as a read-write session left it.
 */
export async function openReadWriteOnce(s: Side, folder: string): Promise<void> {
  const client = new ImapFlow({
    host: s.mailbox.cloud.imapHost,
    port: s.mailbox.cloud.imapPort,
    secure: true,
    auth: { user: s.mailbox.address, accessToken: s.token },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock(folder, { readOnly: false });
    lock.release();
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/**
 * The server's answer time for EXAMINE of `folder`, twice in one session through the proxy: the first open after
 * the folder changed, and a second one with nothing changed in between. Shows how much of a check's EXAMINE is the
 * server catching up with the folder's changes in that session (Dovecot applies the changes logged since its index
 * file was last written to a private copy of the whole index, per session) rather than opening it.
 */
export async function examineTwice(
  proxy: CountingProxy,
  s: Side,
  folder: string,
): Promise<{ first: number; second: number }> {
  const client = new ImapFlow({
    host: s.mailbox.cloud.imapHost,
    port: proxy.port,
    secure: true,
    auth: { user: s.mailbox.address, accessToken: s.token },
    logger: false,
  });
  await client.connect();
  try {
    const once = async () => {
      proxy.reset();
      await client.mailboxOpen(folder, { readOnly: true });
      const ms = proxy.counts().serverMs.get('EXAMINE') ?? NaN;
      await client.mailboxClose();
      return ms;
    };
    const first = await once();
    return { first, second: await once() };
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/**
 * Keeps a check's result in the store's `status` table as the monitor's cycle does after each run (the inbox check
 * reads its last result there to ask only about what is new).
 */
export async function keepResult(store: StateStore, s: Side, result: CheckResult): Promise<void> {
  await store.status.upsert(s.mailbox.id, result.check, {
    check: result.check,
    status: result.status,
    result: compactResult(result),
    since: result.at,
    consecutiveFailures: 0,
  });
}

/** One check over its own session through the proxy; only the check itself is measured (not the login). */
export async function measure(
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

export async function withProxy<T>(run: (proxy: CountingProxy) => Promise<T>): Promise<T | undefined> {
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

export const msOf = (m: Measured) => m.ms;
/** The server's answer time summed over the check's commands, and the rest of the check's time: the client's. */
export const serverOf = (m: Measured) => [...m.serverMs.values()].reduce((a, b) => a + b, 0);
export const clientOf = (m: Measured) => Math.max(0, m.ms - serverOf(m));
export const downOf = (m: Measured) => m.down;
export const upOf = (m: Measured) => m.up;
export const cmdsOf = (m: Measured) => m.commands.length;

const TIMES = new Set<(m: Measured) => number>([msOf, serverOf, clientOf]);

/** The header of a table with, per storage, the large side, the small side and their ratio. */
export function header(large: string, smallLabel: string, storages: readonly Storage[]): string[] {
  return ['figure', ...storages.flatMap((s) => [`${s} ${large}`, `${s} ${smallLabel}`, 'ratio'])];
}

/** One row: per storage, the median of the large side's runs, of the small side's, and the ratio. */
export function row(
  label: string,
  pairs: ReadonlyArray<readonly [readonly Measured[], readonly Measured[]]>,
  pick: (m: Measured) => number,
): string[] {
  const fmt = (v: number) => (TIMES.has(pick) ? fmtMs(v) : String(v));
  return [
    label,
    ...pairs.flatMap(([large, sm]) => {
      const b = median(large.map(pick));
      const s = median(sm.map(pick));
      return [fmt(b), fmt(s), ratio(b, s)];
    }),
  ];
}

/** The server's answer time per command, the median over the runs (each run's total for that command). */
export function serverMsMedian(runs: readonly Measured[]): string {
  const names = new Set(runs.flatMap((r) => [...r.serverMs.keys()]));
  const out = new Map<string, number>();
  for (const n of names) out.set(n, median(runs.map((r) => r.serverMs.get(n) ?? 0)));
  return formatServerMs(out);
}
