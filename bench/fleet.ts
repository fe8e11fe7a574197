/**
 * Benchmark — a fleet cycle at real-world latency. N mailboxes (default 1,000) of one app-only identity (client
 * secret, every mailbox granted as by Add-MailboxPermission) go through the deployed path: the Function App bundle
 * dispatches one message per mailbox onto `mailbox-checks` (Azurite), a host-like queue listener hands them to the
 * bundled `checkMailbox`, which runs the seven checks and writes the Table store (Azurite). Once at the lab's
 * ~0 ms round trips and once behind delay proxies adding a round trip (default 50 ms) to Entra, IMAP and SMTP — what
 * an Azure region sees of Exchange Online. Each side runs in a fresh process (bench/fleet-case.ts) with a fresh
 * identity, so token requests (counted by the lab's Entra) and peak RSS are per side.
 *
 * Targets (docs/performance.md): ≤ 150 s for 1,000 mailboxes at 50 ms on the 2-core machine, peak RSS ≤ 300 MB,
 * one token request per identity. Printed, never asserted. Run: npm run bench -- fleet [N] [RTT-ms]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { identityKey } from '../lab/entra-registry.js';
import { benchEndpoints, benchLab, dovecotOrReason, note, printTable } from './bench-lab.js';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import type { FleetCaseInput } from './fleet-case.js';

interface CaseResult {
  label: string;
  mailboxes: number;
  loadedMs: number;
  dispatchedMs: number;
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  messages: number;
  distinct: number;
  failed: number;
  mostInFlight: number;
  wrong: number;
  wrongSample: string[];
  tokenRequests: number;
  handlerMsMedian: number;
  checkMsMedian: Record<string, number>;
}

/** Seeded into a few mailboxes: a customer mail waiting 3 hours (their inbox check must say CRIT). */
function waitingMail(to: string): string {
  const date = new Date(Date.now() - 3 * 3_600_000);
  return [
    'From: Customer <customer@example.org>',
    `To: ${to}`,
    'Subject: Printer on floor 3 is broken',
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomUUID()}@bench.example>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please help.',
    '',
  ].join('\r\n');
}

async function runCase(n: number, rttMs: number): Promise<CaseResult> {
  const l = benchLab();
  const e = benchEndpoints();
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const secret = `fleet-secret-${randomUUID()}`;
  const domain = `${l.unique('fleet')}.example`;
  await l.addTenant(tenantId, [domain]);
  await l.addApp(tenantId, {
    clientId,
    secrets: [{ value: secret }],
    appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
  });
  const tag = `r${rttMs}`;
  const mailboxes = Array.from({ length: n }, (_, i) => ({
    id: `${tag}-desk-${i}`,
    address: `desk${i}@${domain}`,
  }));
  // Grants before any token exists: the lab's Dovecot files change once, at the first token.
  let next = 0;
  const grant = async () => {
    while (next < mailboxes.length) await l.grantMailbox(tenantId, clientId, mailboxes[next++]!.address);
  };
  await Promise.all(Array.from({ length: 8 }, grant));
  const waiting = mailboxes.filter((_, i) => i % Math.max(1, Math.floor(n / 10)) === 0).slice(0, 10);
  const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000).toISOString();
  for (const m of waiting)
    await l.seedMessages(m.address, 'INBOX', [{ raw: waitingMail(m.address), internalDate: threeHoursAgo }]);

  const proxies: DelayProxy[] = [];
  const via = async (host: string, port: number) => {
    if (rttMs <= 0) return { host, port };
    const p = await startDelayProxy({ host, port }, rttMs / 2);
    proxies.push(p);
    return { host, port: p.port };
  };
  const [entraHost, entraPort] = e.authorityHost.split(':') as [string, string];
  const entra = await via('127.0.0.1', Number(entraPort));
  const input: FleetCaseInput = {
    label: `${rttMs} ms RTT`,
    mailboxes,
    tenantId,
    clientId,
    authorityHost: `${entraHost}:${entra.port}`,
    imap: await via(e.imap!.host, e.imap!.port),
    smtp: await via(e.smtp!.host, e.smtp!.port),
    azurite: e.azurite!.connectionString,
    waiting: waiting.map((m) => m.id),
  };
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['dist/bench/fleet-case.js'], {
        env: { ...process.env, FLEET_CASE: JSON.stringify(input), BENCH_SECRET: secret },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('exit', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`fleet case exited ${code}`)),
      );
    });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as Omit<CaseResult, 'tokenRequests'>;
    return { ...result, tokenRequests: await l.tokenRequests(identityKey(tenantId, clientId)) };
  } finally {
    for (const p of proxies) await p.close();
  }
}

export async function benchFleet(opts: { mailboxes?: number; rttMs?: number } = {}): Promise<void> {
  const e = benchEndpoints();
  const why = dovecotOrReason(e);
  if (why) {
    note(`fleet: left out — ${why}`);
    return;
  }
  const n = opts.mailboxes ?? 1000;
  const rtt = opts.rttMs ?? 50;
  const results: CaseResult[] = [];
  for (const r of [0, rtt]) results.push(await runCase(n, r));
  const rows: string[][] = [
    [
      'round trip',
      'wall s',
      'mailboxes/s',
      'cpu s',
      'cpu ms/mailbox',
      'peak RSS MiB',
      'token requests',
      'messages',
      'wrong',
      'failed',
      'most at once',
    ],
  ];
  for (const r of results) {
    rows.push([
      r.label,
      (r.wallMs / 1000).toFixed(1),
      (r.mailboxes / (r.wallMs / 1000)).toFixed(1),
      (r.cpuMs / 1000).toFixed(1),
      (r.cpuMs / r.mailboxes).toFixed(1),
      r.maxRssMiB.toFixed(0),
      String(r.tokenRequests),
      `${r.messages}/${r.distinct}`,
      String(r.wrong),
      String(r.failed),
      String(r.mostInFlight),
    ]);
  }
  printTable(
    `Fleet: ${n} mailboxes, one app-only identity, dispatch → queue (Azurite) → bundled checkMailbox → Table store`,
    rows,
  );
  const [zero, slow] = results as [CaseResult, CaseResult];
  note(
    `wall ${rtt} ms / 0 ms: ${(slow.wallMs / zero.wallMs).toFixed(2)}; bundle loaded in ${zero.loadedMs.toFixed(0)} ms`,
  );
  note(
    'messages = delivered/distinct mailboxes; wrong = mailboxes whose stored results differ from the expected',
  );
  for (const r of results) {
    const checks = Object.entries(r.checkMsMedian).map(([c, ms]) => `${c} ${ms.toFixed(0)}`);
    note(
      `${r.label}: median checkMailbox ${r.handlerMsMedian.toFixed(0)} ms; median per check (ms): ${checks.join(', ')}`,
    );
    for (const w of r.wrongSample) note(`${r.label} wrong: ${w}`);
  }
}

// Run directly: node dist/bench/fleet.js [N] [RTT-ms] (under the lab).
if (process.argv[1]?.endsWith('/fleet.js')) {
  const [n, rtt] = process.argv.slice(2).map(Number);
  benchFleet({
    ...(n ? { mailboxes: n } : {}),
    ...(rtt !== undefined && !Number.isNaN(rtt) ? { rttMs: rtt } : {}),
  }).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`fleet: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
