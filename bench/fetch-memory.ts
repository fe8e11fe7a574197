/**
 * Benchmark 3 — fetch-probe memory. Two mailboxes in the lab's Dovecot whose oldest waiting message is 30 kB and
 * 30 MB; each case runs the inbox check (with auth and imap-login before it) in a child process of its own
 * (fetch-memory-case.ts) so the OS's peak RSS of that process is the figure. Three configurations:
 *
 * - defaults: maxMessageBytes = probeMaxBytes = 25 MiB — the 30 MB message is "oversized" (SEARCH LARGER), listed
 *   and left out of the probe, which then fetches nothing big;
 * - cap 64 kB: maxMessageBytes raised to 64 MiB so the 30 MB message IS the probed one, probeMaxBytes 64 kB —
 *   the partial FETCH (BODY.PEEK[]<0.65536>) bounds what is held in memory;
 * - cap 64 MiB (no effective cap): the whole 30 MB message is fetched — what the cap saves.
 *
 * Each side is the median of R child runs; the ratio is 30 MB / 30 kB of the peak RSS.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { SeedMessage } from '../lab/client.js';
import { oversizedMail, registerDesk, type DeskIdentity } from '../lab/demo-scenario.js';
import {
  benchEndpoints,
  benchLab,
  dovecotOrReason,
  mailboxDoc,
  median,
  note,
  printTable,
  ratio,
} from './bench-lab.js';

const HOUR = 3_600_000;
const CASE_SCRIPT = fileURLToPath(new URL('./fetch-memory-case.js', import.meta.url));

export interface FetchMemoryOptions {
  rounds?: number;
}

interface CaseOut {
  maxRssKbBefore: number;
  maxRssKb: number;
  heapUsed: number;
  external: number;
  statuses: string[];
  probeBytes: number | null;
  oversized: number | null;
}

function smallMail(to: string, date: Date, bytes = 30_000): string {
  const line = 'The printer on the third floor prints only blank pages since this morning. Please help!!\r\n';
  return [
    'From: Anna Customer <anna@customer.example>',
    `To: ${to}`,
    'Subject: Printer broken',
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomUUID()}@customer.example>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    line.repeat(Math.ceil(bytes / line.length)),
  ].join('\r\n');
}

function runCase(doc: Record<string, unknown>, password: string): Promise<CaseOut> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CASE_SCRIPT, JSON.stringify(doc)], {
      env: { ...process.env, BENCH_PASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`case exited ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as CaseOut);
    });
  });
}

export async function benchFetchMemory(opts: FetchMemoryOptions = {}): Promise<void> {
  const rounds = opts.rounds ?? 3;
  const e = benchEndpoints();
  const title = `3. Fetch-probe memory: inbox check, oldest waiting message 30 MB vs 30 kB — peak RSS of a child process per run (median of ${rounds})`;
  const why = dovecotOrReason(e);
  if (why) {
    printTable(title, [['skipped'], [why]]);
    return;
  }
  const l = benchLab();
  const now = new Date();
  const at = new Date(now.getTime() - 3 * HOUR);
  const sizes = [
    ['30 kB', (desk: DeskIdentity) => smallMail(desk.address, at)],
    // The demo's 30 MB scanned-contract mail (base64 lines).
    ['30 MB', (desk: DeskIdentity) => oversizedMail(desk, at)],
  ] as const;
  const desks: Record<
    string,
    { doc: (inbox: Record<string, unknown>) => Record<string, unknown>; pw: string }
  > = {};
  for (const [label, make] of sizes) {
    const desk = await registerDesk(l, `bench${label.replace(/\W/g, '')}`);
    const oldest: SeedMessage = {
      raw: make(desk),
      internalDate: at.toISOString(),
    };
    // A fresh small mail after it, so the Inbox is not a single-message special case.
    const fresh: SeedMessage = {
      raw: smallMail(desk.address, new Date(now.getTime() - 5 * 60_000), 2_000),
      internalDate: new Date(now.getTime() - 5 * 60_000).toISOString(),
    };
    await l.seedMessages(desk.address, 'INBOX', [oldest, fresh]);
    desks[label] = {
      pw: desk.password,
      doc: (inbox) =>
        mailboxDoc(
          e,
          {
            id: `bench-${label.replace(/\W/g, '').toLowerCase()}`,
            address: desk.address,
            tenantId: desk.tenantId,
            clientId: desk.clientId,
            auth: { mode: 'password', password: { env: 'BENCH_PASSWORD' } },
          },
          { inbox },
        ),
    };
  }
  const configs: Array<[string, Record<string, unknown>]> = [
    ['defaults (25 MiB oversize, 25 MiB cap)', {}],
    ['cap 64 kB (oversize 64 MiB)', { maxMessageBytes: 64 * 1_048_576, probeMaxBytes: 65_536 }],
    ['cap 64 MiB (no effective cap)', { maxMessageBytes: 64 * 1_048_576, probeMaxBytes: 64 * 1_048_576 }],
  ];
  const rows: string[][] = [
    [
      'configuration',
      '30 kB: peak MiB',
      '30 MB: peak MiB',
      'ratio',
      '30 MB: min–max',
      '30 kB: probe B',
      '30 MB: probe B',
      'oversized',
    ],
  ];
  let startRss = 0;
  for (const [label, inbox] of configs) {
    const res: Record<string, CaseOut[]> = { '30 kB': [], '30 MB': [] };
    for (let r = 0; r < rounds; r++) {
      // Alternate the two sides so a drifting machine affects both alike.
      for (const size of ['30 kB', '30 MB'] as const) {
        const d = desks[size]!;
        res[size]!.push(await runCase(d.doc(inbox), d.pw));
      }
    }
    const peak = (xs: CaseOut[]) => median(xs.map((x) => x.maxRssKb)) / 1024;
    const small = res['30 kB']!;
    const big = res['30 MB']!;
    startRss = median([...small, ...big].map((x) => x.maxRssKbBefore)) / 1024;
    const bad = [...small, ...big]
      .flatMap((x) => x.statuses)
      .filter((s) => /:(UNKNOWN|CRIT)$/.test(s) && !s.startsWith('inbox'));
    if (bad.length) note(`${label}: ${[...new Set(bad)].join(', ')} — figures not comparable`);
    rows.push([
      label,
      peak(small).toFixed(1),
      peak(big).toFixed(1),
      ratio(peak(big), peak(small)),
      // Peak RSS of a big fetch depends on when the GC runs: show the spread, not only the median.
      `${(Math.min(...big.map((x) => x.maxRssKb)) / 1024).toFixed(0)}–${(Math.max(...big.map((x) => x.maxRssKb)) / 1024).toFixed(0)}`,
      String(small[0]!.probeBytes),
      String(big[0]!.probeBytes),
      String(big[0]!.oversized),
    ]);
  }
  printTable(title, rows);
  note(`peak RSS of the child before the run (imports loaded): ${startRss.toFixed(1)} MiB (median)`);
}
