/**
 * The CLI as a monitoring host runs it — `mailbox-health check --config FILE --json`, a process per run, every
 * check against the lab (ROPC sign-in over the Entra emulator, Dovecot through the counting proxy, SMTP) — with
 * `state.tables: { "directory": … }`, so the second run continues from the first run's Sent Items watermark.
 * The desk: the demo's Inbox (a mail waiting 3 h, a 30 MB one) and Junk (40), and Sent Items with 4,000 messages
 * in the last 24 h plus 16,000 older, written straight into the maildir.
 *
 * - `imap-commands`: the IMAP commands of one full check of the mailbox, counted at the server side of the proxy
 *   and listed by name — the first run (recount) and the next (incremental); target ≤ 12.
 * - `whole-process-state`: R rounds of (fresh state directory: first run, second run) — wall, CPU and peak RSS of
 *   the process (/usr/bin/time), IMAP bytes and commands; medians and the ratio second/first.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeedMessage } from '../lab/client.js';
import { deskConfig, deskMail, registerDesk } from '../lab/demo-scenario.js';
import { seedMaildir, type MaildirMessage } from '../lab/maildir-seed.js';
import {
  benchEndpoints,
  benchLab,
  dovecotOrReason,
  fmtMiB,
  median,
  note,
  printTable,
  ratio,
} from './bench-lab.js';
import {
  formatByName,
  formatServerMs,
  startCountingProxy,
  type CountingProxy,
  type ImapCounts,
} from './imap-count-proxy.js';
import { timedRun, type Run } from './whole-process.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const PASSWORD_ENV = 'BENCH_DESK_PASSWORD';

export interface CliStateOptions {
  rounds?: number;
}

interface Fixture {
  dir: string;
  /** Writes a configuration whose state directory is `stateDir`; returns its path. */
  config: (stateDir: string) => string;
  env: NodeJS.ProcessEnv;
}

const asMaildir = (m: SeedMessage): MaildirMessage => ({
  raw: m.raw,
  internalDate: new Date(m.internalDate ?? Date.now()),
  ...(m.flags?.includes('\\Seen') ? { flags: 'S' } : {}),
});

async function setUp(proxy: CountingProxy): Promise<Fixture> {
  const e = benchEndpoints();
  const l = benchLab();
  const desk = await registerDesk(l, 'desk');
  const now = new Date();
  const mail = deskMail(desk, now);
  seedMaildir(e.labDir, desk.address, 'INBOX', mail.inbox.map(asMaildir));
  seedMaildir(e.labDir, desk.address, 'Junk Email', mail.junk.map(asMaildir));
  function* sent(): Generator<MaildirMessage> {
    const one = (i: number) =>
      `From: ${desk.address}\r\nTo: caller${i}@customer.example\r\nSubject: [ESM-${i}] updated\r\n` +
      `Message-ID: <c${i}@desk.example>\r\n\r\nYour ticket was updated.\r\n`;
    for (let k = 0; k < 16_000; k++)
      yield { raw: one(k), internalDate: new Date(now.getTime() - 30 * 24 * HOUR + k * 150_000), flags: 'S' };
    for (let k = 0; k < 4_000; k++)
      yield {
        raw: one(16_000 + k),
        internalDate: new Date(now.getTime() - 23 * HOUR + Math.floor((k / 4_000) * 22 * HOUR)),
        flags: 'S',
      };
  }
  seedMaildir(e.labDir, desk.address, 'Sent Items', sent());
  const dir = mkdtempSync(join(tmpdir(), 'mh-bench-state-'));
  const endpoints = {
    authorityHost: e.authorityHost,
    imap: { host: e.imap!.host, port: proxy.port },
    smtp: e.smtp!,
  };
  let n = 0;
  const config = (stateDir: string) => {
    const file = join(dir, `config-${++n}.json`);
    writeFileSync(file, JSON.stringify(deskConfig(desk, endpoints, { directory: stateDir }, PASSWORD_ENV)));
    return file;
  };
  return { dir, config, env: { ...process.env, [PASSWORD_ENV]: desk.password } };
}

async function withFixture(title: string, run: (f: Fixture, proxy: CountingProxy) => Promise<void>) {
  const e = benchEndpoints();
  const why = dovecotOrReason(e) ?? (e.smtp ? null : 'the lab SMTP server is not running');
  if (why) {
    printTable(title, [['skipped'], [why]]);
    return;
  }
  const proxy = await startCountingProxy(e.labDir, e.imap!);
  const f = await setUp(proxy);
  try {
    await run(f, proxy);
  } finally {
    await proxy.close();
    rmSync(f.dir, { recursive: true, force: true });
  }
}

interface Counted {
  run: Run;
  imap: ImapCounts;
}

async function countedRun(f: Fixture, proxy: CountingProxy, config: string): Promise<Counted> {
  proxy.reset();
  const run = await timedRun(config, f.env);
  return { run, imap: proxy.counts() };
}

export async function benchImapCommands(): Promise<void> {
  const title = 'IMAP commands per full check of one mailbox (mailbox-health check, counted at the server)';
  await withFixture(title, async (f, proxy) => {
    const config = f.config(join(f.dir, 'state'));
    const first = await countedRun(f, proxy, config);
    const next = await countedRun(f, proxy, config);
    const rows = [['run', 'commands', 'connections', 'longest command B', 'by command']];
    for (const [label, c] of [
      ['first (recount)', first],
      ['next (incremental)', next],
    ] as const)
      rows.push([
        label,
        String(c.imap.commands.length),
        String(c.imap.connections),
        String(c.imap.longestCommand),
        formatByName(c.imap.commands),
      ]);
    printTable(title, rows);
    note(`in order (first run): ${first.imap.commands.join(' ')}`);
    note(`server answer time (first run): ${formatServerMs(first.imap.serverMs)}`);
    note(`results not OK (expected from the demo mail): ${first.run.notOk.join(', ') || 'none'}`);
  });
}

export async function benchWholeProcessState(opts: CliStateOptions = {}): Promise<void> {
  const rounds = opts.rounds ?? 3;
  const title = `Whole process with state.tables { directory }: second run vs first (median of ${rounds} rounds, each from an empty directory)`;
  await withFixture(title, async (f, proxy) => {
    const firsts: Counted[] = [];
    const seconds: Counted[] = [];
    for (let r = 0; r < rounds; r++) {
      const config = f.config(join(f.dir, `state-${r}-${randomUUID().slice(0, 6)}`));
      firsts.push(await countedRun(f, proxy, config));
      seconds.push(await countedRun(f, proxy, config));
    }
    const fig = (label: string, pick: (c: Counted) => number | null, fmt = (x: number) => String(x)) => {
      if ([...firsts, ...seconds].some((c) => pick(c) === null)) return [label, 'n/a', 'n/a', 'n/a'];
      const a = median(firsts.map((c) => pick(c)!));
      const b = median(seconds.map((c) => pick(c)!));
      return [label, fmt(a), fmt(b), ratio(b, a)];
    };
    printTable(title, [
      ['figure', 'first run', 'second run', 'ratio 2nd/1st'],
      fig(
        'wall s',
        (c) => c.run.wallS,
        (x) => x.toFixed(2),
      ),
      fig(
        'cpu s (user+sys)',
        (c) => c.run.cpuS,
        (x) => x.toFixed(2),
      ),
      fig('peak RSS MiB', (c) => (c.run.peakKb === null ? null : c.run.peakKb * 1024), fmtMiB),
      fig('IMAP bytes server→client', (c) => c.imap.down),
      fig('IMAP commands', (c) => c.imap.commands.length),
    ]);
    const last = seconds[seconds.length - 1]!;
    note(`exit codes: ${[...new Set([...firsts, ...seconds].map((c) => c.run.exit))].join(', ')}`);
    note(`results not OK (expected from the demo mail): ${last.run.notOk.join(', ') || 'none'}`);
  });
}
