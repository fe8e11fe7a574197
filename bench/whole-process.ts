/**
 * Benchmark 4 — the whole process: `mailbox-health check --config <file> --json` for 1 mailbox vs 10 mailboxes
 * (default concurrency 4), every check against the lab (ROPC over Entra, Dovecot, SMTP submission). Sets up the
 * mailboxes and writes the two configuration files, then either
 *
 * - measures itself: one warm-up, then R pairs A B A B … under `/usr/bin/time` (wall and CPU seconds, peak
 *   RSS of the process), printing medians and the median of the pairwise ratios 10/1; or
 * - with `-- CMD ARG…`, runs CMD once with `{one}`, `{ten}` and `{cli}` in its arguments replaced by the two
 *   configuration paths and the CLI's script, and the password in the environment: for an external timing tool,
 *   e.g. `-- /usr/bin/time -v node {cli} check --config {ten} --json`.
 *
 * Usage: node dist/lab/with-lab.js -- node dist/bench/whole-process.js [-- CMD …]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { registerDesk } from '../lab/demo-scenario.js';
import {
  benchEndpoints,
  benchLab,
  dovecotOrReason,
  fmtMiB,
  mailboxDoc,
  median,
  note,
  printTable,
  ratio,
} from './bench-lab.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TIME = '/usr/bin/time';
const PASSWORD_ENV = 'BENCH_DESK_PASSWORD';

export interface WholeProcessOptions {
  rounds?: number;
  /** Instead of measuring: run this command with {one}, {ten} and {cli} replaced. */
  command?: string[];
}

interface Fixture {
  one: string;
  ten: string;
  env: NodeJS.ProcessEnv;
}

async function setUp(): Promise<Fixture> {
  const l = benchLab();
  const e = benchEndpoints();
  // One tenant and public-client app (the vendor guide's ROPC setup), ten desk mailboxes in it.
  const first = await registerDesk(l, 'desk0');
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < 10; i++) {
    const address = first.address.replace('desk0@', `desk${i}@`);
    if (i > 0) await l.addUser(first.tenantId, { upn: address, password: first.password });
    docs.push(
      mailboxDoc(e, {
        id: `desk${i}`,
        address,
        tenantId: first.tenantId,
        clientId: first.clientId,
        auth: { mode: 'password', password: { env: PASSWORD_ENV } },
      }),
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'mh-bench-'));
  const one = join(dir, 'one-mailbox.json');
  const ten = join(dir, 'ten-mailboxes.json');
  writeFileSync(one, JSON.stringify({ mailboxes: docs.slice(0, 1) }));
  writeFileSync(ten, JSON.stringify({ mailboxes: docs }));
  return { one, ten, env: { ...process.env, [PASSWORD_ENV]: first.password } };
}

export interface Run {
  wallS: number;
  /** user + system seconds, when /usr/bin/time measured the run. */
  cpuS: number | null;
  peakKb: number | null;
  exit: number | null;
  /** `mailbox/check:STATUS` of every result that was not OK (why an exit code was not 0). */
  notOk: string[];
}

function notOkOf(stdout: string): string[] {
  try {
    const results = JSON.parse(stdout) as Array<{ mailbox: string; check: string; status: string }>;
    return results.filter((r) => r.status !== 'OK').map((r) => `${r.mailbox}/${r.check}:${r.status}`);
  } catch {
    return ['(output not JSON)'];
  }
}

/** One CLI run; its JSON output is read for the statuses, /usr/bin/time's line parsed from stderr. */
export function timedRun(config: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const cli = [CLI, 'check', '--config', config, '--json'];
  const withTime = existsSync(TIME);
  const [cmd, args] = withTime
    ? [TIME, ['-f', 'BENCH_TIME %e %M %x %U %S', process.execPath, ...cli]]
    : [process.execPath, cli];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wall = (performance.now() - t0) / 1000;
      const m = /BENCH_TIME (\S+) (\d+) (\d+) (\S+) (\S+)/.exec(err);
      const notOk = notOkOf(out);
      if (m)
        resolve({
          wallS: Number(m[1]),
          cpuS: Number(m[4]) + Number(m[5]),
          peakKb: Number(m[2]),
          exit: Number(m[3]),
          notOk,
        });
      else resolve({ wallS: wall, cpuS: null, peakKb: null, exit: code, notOk });
    });
  });
}

function runCommand(command: string[], f: Fixture): Promise<number> {
  const args = command.map((a) =>
    a.replaceAll('{one}', f.one).replaceAll('{ten}', f.ten).replaceAll('{cli}', CLI),
  );
  return new Promise((resolve) => {
    const child = spawn(args[0]!, args.slice(1), { env: f.env, stdio: 'inherit' });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

export async function benchWholeProcess(opts: WholeProcessOptions = {}): Promise<number> {
  const rounds = opts.rounds ?? 5;
  const title = `4. Whole process: mailbox-health check --json, 10 mailboxes vs 1 (concurrency 4) — median of ${rounds} pairs`;
  const why = dovecotOrReason(benchEndpoints());
  if (why) {
    printTable(title, [['skipped'], [why]]);
    return 0;
  }
  const f = await setUp();
  try {
    if (opts.command?.length) return await runCommand(opts.command, f);
    await measure(f, rounds, title);
    return 0;
  } finally {
    // The configuration files hold no secret (the password is an env reference), but leave nothing behind.
    rmSync(dirname(f.one), { recursive: true, force: true });
  }
}

async function measure(f: Fixture, rounds: number, title: string): Promise<void> {
  await timedRun(f.one, f.env); // warm-up: file cache, Dovecot's first login of the users
  await timedRun(f.ten, f.env);
  const one: Run[] = [];
  const ten: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    one.push(await timedRun(f.one, f.env));
    ten.push(await timedRun(f.ten, f.env));
  }
  const wallRatios = one.map((a, i) => ten[i]!.wallS / a.wallS);
  const rows: string[][] = [['figure', '1 mailbox', '10 mailboxes', 'ratio 10/1']];
  rows.push([
    'wall s',
    median(one.map((x) => x.wallS)).toFixed(2),
    median(ten.map((x) => x.wallS)).toFixed(2),
    median(wallRatios).toFixed(2),
  ]);
  if (one.every((x) => x.peakKb !== null) && ten.every((x) => x.peakKb !== null)) {
    rows.push([
      'cpu s (user+sys)',
      median(one.map((x) => x.cpuS!)).toFixed(2),
      median(ten.map((x) => x.cpuS!)).toFixed(2),
      median(one.map((a, i) => ten[i]!.cpuS! / a.cpuS!)).toFixed(2),
    ]);
    const p1 = median(one.map((x) => x.peakKb!));
    const p10 = median(ten.map((x) => x.peakKb!));
    rows.push(['peak RSS MiB', fmtMiB(p1 * 1024), fmtMiB(p10 * 1024), ratio(p10, p1)]);
  }
  printTable(title, rows);
  const exits = [...new Set([...one, ...ten].map((x) => x.exit))];
  note(`exit codes seen: ${exits.join(', ')} (0 = every check OK)`);
  const notOk = [...new Set([...one, ...ten].flatMap((x) => x.notOk))];
  if (notOk.length) note(`results not OK in some run: ${notOk.join(', ')}`);
}

// Run directly (not imported by run.js): node dist/bench/whole-process.js [-- CMD …]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sep = process.argv.indexOf('--');
  const command = sep >= 0 ? process.argv.slice(sep + 1) : [];
  benchWholeProcess({ command }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
