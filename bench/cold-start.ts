/**
 * Benchmark — cold start, as whole processes (what a Flex Consumption instance or a Nagios/cron run pays on every
 * start). Each command runs under `/usr/bin/time` (user + system CPU, peak RSS), in turn with its counterpart,
 * several rounds; medians are printed with the ratio. Wall time is taken around the spawn at high resolution:
 * `/usr/bin/time` rounds it to 10 ms, a fifth of a 50 ms import, too coarse for a ratio (both sides also pay its
 * own fork, alike):
 *
 * 1. importing the deployed Function App entry: the esbuild bundle (package.json `main`) vs the `tsc` output;
 * 2. the cold start of an instance woken to check a mailbox: the entry plus what the check loads on first use
 *    (imapflow, nodemailer, MSAL, the Table store), bundle vs `tsc` output;
 * 3. `mailbox-health --help`: the CLI bundle (package.json `bin`) vs the `tsc` output;
 * 4. a one-mailbox `mailbox-health check --json` (app-only, all seven checks against the lab): bundle vs `tsc`,
 *    with the default memory store (a token request every run) and with a state directory (the token kept,
 *    sealed, between runs — what a monitoring host configures);
 * 5. the same mailbox checked by Debian's `check_imap_receive` (monitoring-plugins-contrib, Perl): a TLS login
 *    with the app's access token as the password (the lab's Dovecot accepts it as Exchange accepts XOAUTH2) and a
 *    SEARCH of the Inbox, nothing deleted (`--nodelete`) — the floor a one-protocol plugin sets — against
 *    mailbox-health with a state directory: both sides start with a token in hand.
 *
 * Node's own start (an empty module, evaluated as the entry rows are) is timed too, and the first row is also given
 * beyond it: what importing the entry adds to a process that must start anyway. So is the entry rows' floor: a
 * process that registers the seven functions with `@azure/functions` and runs none of our code.
 *
 * Every side runs once untimed before its rounds, so Node's compile cache (the CLI enables it) is warm, as on a
 * monitoring host that runs the command every few minutes.
 *
 * Run: npm run build && node dist/lab/with-lab.js -- node dist/bench/run.js cold-start
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
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

const CHECK_IMAP_RECEIVE = '/usr/lib/nagios/plugins/check_imap_receive';

interface Sample {
  /** Wall time of the whole spawn in ms, high resolution (`/usr/bin/time` rounds to 10 ms). */
  wallMs: number;
  cpu: number;
  rssMiB: number;
  code: number;
}

function timed(cmd: string[], env: NodeJS.ProcessEnv, dir: string): Sample {
  const out = join(dir, 'time.txt');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%e %U %S %M', ...cmd], {
    env,
    stdio: ['ignore', 'ignore', 'ignore'],
    timeout: 120_000,
  });
  const wallMs = performance.now() - t0;
  const line = readFileSync(out, 'utf8').trim().split('\n').at(-1) ?? '';
  const [, user, sys, rssKiB] = line.split(' ').map(Number) as [number, number, number, number];
  return { wallMs, cpu: user + sys, rssMiB: rssKiB / 1024, code: r.status ?? -1 };
}

/**
 * A module (written to `dir`) that registers the Function App's seven functions (names and trigger kinds as in
 * src/functions/) with do-nothing handlers. `@azure/functions` is required from this repository's node_modules.
 */
function floorModule(dir: string): string {
  const source = [
    "import { createRequire } from 'node:module';",
    `const { app } = createRequire(${JSON.stringify(resolve('package.json'))})('@azure/functions');`,
    'const handler = async () => undefined;',
    "app.timer('dispatchChecks', { schedule: '0 */5 * * * *', handler });",
    "app.storageQueue('checkMailbox', { queueName: 'checks', connection: 'AzureWebJobsStorage', handler });",
    "app.storageQueue('poisonAlert', { queueName: 'checks-poison', connection: 'AzureWebJobsStorage', handler });",
    "app.timer('spamReview', { schedule: '0 0 7 * * 1', handler });",
    "app.http('health', { methods: ['GET'], authLevel: 'function', handler });",
    "app.http('mailboxAction', { methods: ['GET', 'POST'], authLevel: 'anonymous', handler });",
    "app.http('status', { methods: ['GET'], authLevel: 'function', route: 'status/{mailbox?}', handler });",
  ].join('\n');
  const file = join(dir, 'floor.mjs');
  writeFileSync(file, source);
  return file;
}

/** Milliseconds from a TCP connect to the server's first bytes (its greeting). */
function greetingMs(host: string, port: number): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const socket = connect({ host, port });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no SMTP greeting in 10 s')));
    socket.once('error', reject);
    socket.once('data', () => {
      resolvePromise(performance.now() - t0);
      socket.end('QUIT\r\n');
    });
  });
}

interface Side {
  name: string;
  cmd: string[];
  /** Untimed work before each run of this side; returns the command to run. */
  prepare?: (cmd: string[]) => Promise<string[]>;
}
interface Pair {
  label: string;
  a: Side;
  b: Side;
}

async function run(side: Side, env: NodeJS.ProcessEnv, dir: string): Promise<Sample> {
  return timed(side.prepare ? await side.prepare(side.cmd) : side.cmd, env, dir);
}

export async function benchColdStart(opts: { rounds?: number } = {}): Promise<void> {
  const rounds = opts.rounds ?? 5;
  const e = benchEndpoints();
  const why = dovecotOrReason(e);
  const l = benchLab();
  const dir = mkdtempSync(join(tmpdir(), 'mh-cold-'));
  try {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      main: string;
      bin: Record<string, string>;
    };
    const bundleMain = resolve(pkg.main);
    const bundleCli = resolve(pkg.bin['mailbox-health']!);
    const tscMain = resolve('dist/src/functions/index.js');
    const tscCli = resolve('dist/src/cli/main.js');
    const importOf = (...files: string[]) => [
      process.execPath,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(files[0])});` +
        (files.length > 1
          ? `await Promise.all([${files
              .slice(1)
              .map((f) => `import(${JSON.stringify(f)})`)
              .join(',')}]);`
          : ''),
    ];
    // What a mailbox check loads after the entry, in each build: the bundle's chunks by the metafile.
    const meta = JSON.parse(readFileSync('dist/bundle-meta.json', 'utf8')) as {
      outputs: Record<string, { entryPoint?: string }>;
    };
    const chunkOf = (entryPoint: string) => {
      const out = Object.entries(meta.outputs).find(([, o]) => o.entryPoint === entryPoint)?.[0];
      if (!out) throw new Error(`dist/bundle-meta.json: no chunk for ${entryPoint} (run npm run build)`);
      return resolve(out);
    };
    const checkLoads = {
      bundle: [
        chunkOf('src/shared/mail/imapflow-client.ts'),
        chunkOf('node_modules/nodemailer/lib/nodemailer.js'),
        chunkOf('node_modules/@azure/msal-node/dist/index.mjs'),
        chunkOf('src/shared/state/table-store.ts'),
      ],
      tsc: [
        resolve('dist/src/shared/mail/imapflow-client.js'),
        'nodemailer',
        '@azure/msal-node',
        resolve('dist/src/shared/state/table-store.js'),
      ],
    };
    const pairs: Pair[] = [
      {
        label: 'import the Function App entry',
        a: { name: 'bundle', cmd: importOf(bundleMain) },
        b: { name: 'tsc output', cmd: importOf(tscMain) },
      },
      {
        label: 'check instance cold start: entry + what a check loads',
        a: { name: 'bundle', cmd: importOf(bundleMain, ...checkLoads.bundle) },
        b: { name: 'tsc output', cmd: importOf(tscMain, ...checkLoads.tsc) },
      },
      {
        label: 'mailbox-health --help',
        a: { name: 'bundle', cmd: [process.execPath, bundleCli, '--help'] },
        b: { name: 'tsc output', cmd: [process.execPath, tscCli, '--help'] },
      },
    ];
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (!why) {
      const tenantId = randomUUID();
      const clientId = randomUUID();
      const secret = `cold-secret-${randomUUID()}`;
      const domain = `${l.unique('cold')}.example`;
      const address = `desk@${domain}`;
      await l.addTenant(tenantId, [domain]);
      await l.addApp(tenantId, {
        clientId,
        secrets: [{ value: secret }],
        appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
      });
      await l.grantMailbox(tenantId, clientId, address);
      await l.seedMessages(address, 'INBOX', [
        {
          raw: `From: a@example.org\r\nTo: ${address}\r\nSubject: Printer\r\nMessage-ID: <${randomUUID()}@x>\r\n\r\nhi\r\n`,
        },
      ]);
      const configOf = (name: string, state?: { directory: string }) => {
        const file = join(dir, name);
        writeFileSync(
          file,
          JSON.stringify({
            mailboxes: [
              mailboxDoc(e, {
                id: 'desk',
                address,
                tenantId,
                clientId,
                auth: { mode: 'clientSecret', clientSecret: { env: 'COLD_SECRET' } },
              }),
            ],
            ...(state ? { state: { tables: state } } : {}),
          }),
        );
        return file;
      };
      const memoryConfig = configOf('memory.json');
      // Each build its own state directory: one holds its lock only while it runs, but keep them apart anyway.
      const dirConfig = {
        bundle: configOf('dir-bundle.json', { directory: join(dir, 'state-bundle') }),
        tsc: configOf('dir-tsc.json', { directory: join(dir, 'state-tsc') }),
      };
      env.COLD_SECRET = secret;
      const check = (cli: string, config: string) => [
        process.execPath,
        cli,
        'check',
        '--config',
        config,
        '--json',
      ];
      pairs.push(
        {
          label: 'one-mailbox check (7 checks), memory store',
          a: { name: 'bundle', cmd: check(bundleCli, memoryConfig) },
          b: { name: 'tsc output', cmd: check(tscCli, memoryConfig) },
        },
        {
          label: 'one-mailbox check (7 checks), state directory',
          a: { name: 'bundle', cmd: check(bundleCli, dirConfig.bundle) },
          b: { name: 'tsc output', cmd: check(tscCli, dirConfig.tsc) },
        },
      );
      if (existsSync(CHECK_IMAP_RECEIVE)) {
        // An app token of the same identity, as the plugin's password, minted (untimed) when this comparison
        // starts and used for all its rounds — as mailbox-health uses the one its state directory keeps. Not
        // earlier: the lab keeps only the newest few app tokens per mailbox valid, and the memory-store rows
        // before this one fetch a token every run. Retried once: the lab closes idle keep-alive connections
        // while a timed run blocks this process.
        const mint = () =>
          l.mintToken({ tenantId, clientId, roles: ['IMAP.AccessAsApp'], lifetimeSeconds: 3600 });
        let pluginToken: Promise<string> | undefined;
        const tokenForPlugin = () =>
          (pluginToken ??= mint()
            .catch(() => mint())
            .then((t) => t.access_token));
        pairs.push({
          label: 'one-mailbox check vs check_imap_receive (TLS login + SEARCH)',
          a: { name: 'mailbox-health (bundle, state directory)', cmd: check(bundleCli, dirConfig.bundle) },
          b: {
            name: 'check_imap_receive',
            cmd: [
              CHECK_IMAP_RECEIVE,
              '--hostname',
              'localhost',
              '--port',
              String(e.imap!.port),
              '--ssl',
              '--ssl-ca-file',
              e.caPath,
              '--username',
              address,
              '--password',
              '<minted when the comparison starts>',
              '--mailbox',
              'INBOX',
              '--search',
              'SUBJECT',
              '--search',
              'Printer',
              '--nodelete',
            ],
            prepare: async (cmd) => {
              const i = cmd.indexOf('--password') + 1;
              return [...cmd.slice(0, i), await tokenForPlugin(), ...cmd.slice(i + 1)];
            },
          },
        });
      } else
        note(
          `cold-start: ${CHECK_IMAP_RECEIVE} not installed (monitoring-plugins-contrib): that row is left out`,
        );
    } else note(`cold-start: one-mailbox rows left out — ${why}`);

    const rows: string[][] = [['comparison', 'side', 'wall s', 'cpu s', 'peak MiB', 'exit codes']];
    const ratios: string[][] = [['comparison (A / B)', 'wall', 'cpu', 'peak RSS']];
    const entryWallMs: Array<{ a: number; b: number }> = [];
    for (const p of pairs) {
      await run(p.a, env, dir); // warm the page cache and the lab's connections for both sides
      const warm = await run(p.b, env, dir);
      // A comparison is only fair when both sides did their job: say what a failing side printed.
      if (warm.code !== 0) {
        const cmd = p.b.prepare ? await p.b.prepare(p.b.cmd) : p.b.cmd;
        const shown = spawnSync(cmd[0]!, cmd.slice(1), { env, encoding: 'utf8', timeout: 120_000 });
        const first = `${shown.stdout}${shown.stderr}`.split('\n')[0]?.slice(0, 300) ?? '';
        note(`cold-start: ${p.b.name} exited ${warm.code}: ${first.replace(/eyJ[\w.-]+/g, '<token>')}`);
      }
      const as: Sample[] = [];
      const bs: Sample[] = [];
      for (let i = 0; i < rounds; i++) {
        as.push(await run(p.a, env, dir));
        bs.push(await run(p.b, env, dir));
      }
      const m = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
      for (const [side, xs] of [
        [`A ${p.a.name}`, as],
        [`B ${p.b.name}`, bs],
      ] as const) {
        rows.push([
          p.label,
          side,
          (m(xs, 'wallMs') / 1000).toFixed(3),
          m(xs, 'cpu').toFixed(2),
          m(xs, 'rssMiB').toFixed(1),
          [...new Set(xs.map((x) => x.code))].join(','),
        ]);
      }
      if (p === pairs[0]) entryWallMs.push({ a: m(as, 'wallMs'), b: m(bs, 'wallMs') });
      ratios.push([
        p.label,
        ratio(m(as, 'wallMs'), m(bs, 'wallMs')),
        ratio(m(as, 'cpu'), m(bs, 'cpu')),
        ratio(m(as, 'rssMiB'), m(bs, 'rssMiB')),
      ]);
    }
    // Node's own start, which every row above pays alike: an empty ES module evaluated the way the entry rows are.
    // Median wall time of `cmd` over the rounds, after one untimed run.
    const medianWallMs = (cmd: string[]) => {
      timed(cmd, env, dir);
      return median(Array.from({ length: rounds }, () => timed(cmd, env, dir).wallMs));
    };
    const startMs = medianWallMs(importOf('data:text/javascript,'));
    // The floor of the entry rows: a process that registers the seven functions with @azure/functions, with
    // do-nothing handlers and none of our code — what any entry of this Function App pays before its own work.
    const floorMs = medianWallMs(importOf(floorModule(dir)));
    const entry = entryWallMs[0];
    if (entry) {
      note(
        `cold-start: Node's own start (an empty module) ${startMs.toFixed(0)} ms; importing the entry beyond it: ` +
          `bundle ${(entry.a - startMs).toFixed(0)} ms, tsc output ${(entry.b - startMs).toFixed(0)} ms ` +
          `(${ratio(entry.a - startMs, entry.b - startMs)}; whole processes ${entry.a.toFixed(0)} vs ${entry.b.toFixed(0)} ms)`,
      );
      note(
        `cold-start: the floor, a process registering the seven functions with @azure/functions and no code of ` +
          `ours: ${floorMs.toFixed(0)} ms, ${ratio(floorMs, entry.b)} of the tsc output's whole-process import`,
      );
    }
    if (!why && e.smtp) {
      // What a one-mailbox check's SMTP lane waits for before it can say anything: the lab server's greeting.
      const greetings: number[] = [];
      for (let i = 0; i < rounds; i++) greetings.push(await greetingMs(e.smtp.host, e.smtp.port));
      note(
        `cold-start: the lab's SMTP server greets ${median(greetings).toFixed(0)} ms after the connect (smtp-server ` +
          `holds every greeting 100 ms to catch clients that talk first); a one-mailbox check's SMTP lane waits ` +
          `for it, check_imap_receive uses no SMTP`,
      );
    }
    printTable(
      `Cold start: whole processes under /usr/bin/time, median of ${rounds} rounds (A and B in turn)`,
      rows,
    );
    printTable('Cold start: ratios of the medians', ratios);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('/cold-start.js')) {
  benchColdStart({ rounds: Number(process.argv[2]) || 5 }).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `cold-start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
