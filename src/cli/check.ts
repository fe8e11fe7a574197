/**
 * `mailbox-health check --config FILE [--mailbox ID] [--json] [--concurrency N]` (README "Using it"): runs every
 * check of every (or one) mailbox and prints the Nagios line and a table, or only a JSON array of CheckResult.
 * Exit code by the most severe status (OK 0, WARN 1, CRIT 2, UNKNOWN 3; order OK < WARN < UNKNOWN < CRIT);
 * bad configuration or arguments exit 3 with the reason on stderr.
 */
import { ConfigError, createSecretResolver, loadConfigFile, type Config } from '../shared/config/index.js';
import { systemClock } from '../shared/clock.js';
import {
  NAGIOS_EXIT,
  SKIPPED_PREFIX,
  worstStatus,
  type CheckResult,
  type Status,
} from '../shared/contracts.js';
import { cleanText, nagiosSafe } from '../shared/report/escape.js';
import { streamLogger, type Logger } from '../shared/logger.js';
import { DEFAULT_CONCURRENCY, runMailboxes, type RunDeps } from '../shared/checks/runner.js';
import { createConnectionGate } from '../shared/checks/tenant-gate.js';
import { createTokenSource } from '../shared/auth/token-source.js';
import { mailConnections } from '../shared/cycle/compose.js';
import { createMemoryStore } from '../shared/state/memory-store.js';
import { closeStateStore, createStateStore } from '../shared/state/factory.js';
import type { StateStore } from '../shared/state/ports.js';
import { TokenCache } from '../shared/auth/token-cache.js';
import { directoryGrantVault } from '../shared/auth/token-vault.js';
import { recordStatusRows } from '../shared/alerts/notify-run.js';
import { recordHistory } from '../shared/history/record.js';
import { parseArgs, UsageError, type CliIo } from './args.js';

// Rendering: the Nagios plugin line (text through the report module's nagiosSafe: no `|`, no control
// characters) and a readable table.
const NAGIOS_WORD: Record<Status, string> = {
  OK: 'OK',
  WARN: 'WARNING',
  CRIT: 'CRITICAL',
  UNKNOWN: 'UNKNOWN',
};

function unitOf(metric: string): string {
  if (/Seconds$/.test(metric)) return 's';
  if (/Ms$/.test(metric)) return 'ms';
  if (/Bytes$/.test(metric)) return 'B';
  if (/Percent$/.test(metric)) return '%';
  return '';
}

/** Perfdata: `'mailbox.check.metric'=value[uom]`; labels are built from ids and camelCase names only. */
export function perfdata(results: readonly CheckResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    for (const [name, value] of Object.entries(r.metrics)) {
      out.push(`'${r.mailbox}.${r.check}.${name}'=${value}${unitOf(name)}`);
    }
  }
  return out.join(' ');
}

export function nagiosLine(results: readonly CheckResult[]): string {
  const worst = worstStatus(results.map((r) => r.status));
  const mailboxes = new Set(results.map((r) => r.mailbox)).size;
  const problems = results.filter((r) => r.status !== 'OK');
  // Skipped checks follow from a failure already named: the first line names causes, the table has the rest.
  const causes = problems.filter((r) => !r.summary.startsWith(SKIPPED_PREFIX));
  const skipped = problems.length - causes.length;
  const named = (causes.length > 0 ? causes : problems).map(
    (r) => `${r.mailbox} ${r.check} ${r.status}: ${r.summary}`,
  );
  if (causes.length > 0 && skipped > 0) named.push(`${skipped} skipped`);
  const text =
    problems.length === 0
      ? `${mailboxes} mailbox${mailboxes === 1 ? '' : 'es'}, ${results.length} checks OK`
      : named.join('; ');
  const perf = perfdata(results);
  return `MAILBOX-HEALTH ${NAGIOS_WORD[worst]} - ${nagiosSafe(text, 1000)}${perf ? ` | ${perf}` : ''}`;
}

export function table(results: readonly CheckResult[]): string[] {
  const rows = results.map((r) => [
    r.mailbox,
    r.check,
    r.status,
    cleanText(r.summary, 160) + (r.remediation ? ` — fix: ${cleanText(r.remediation.fix, 200)}` : ''),
  ]);
  const head = ['MAILBOX', 'CHECK', 'STATUS', 'SUMMARY'];
  const widths = [0, 1, 2].map((i) => Math.max(head[i]!.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

export const CHECK_USAGE = [
  'usage: mailbox-health check --config FILE [--mailbox ID] [--json] [--concurrency N]',
  '',
  '  --config FILE     the configuration (docs/configuration.md)',
  '  --mailbox ID      check only this mailbox',
  '  --json            print only a JSON array of CheckResult on stdout',
  '  --concurrency N   mailboxes checked at once (1-64, default 16)',
  '',
  'exit codes: 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN (also: bad arguments or configuration, with one',
  '"MAILBOX-HEALTH UNKNOWN - ..." line on stdout and the detail on stderr)',
].join('\n');

/**
 * The real dependencies of a CLI run: config's secret resolver, the auth part's token source, the system clock,
 * imapflow and nodemailer, and the state store `state.tables` names — with a directory or Table Storage, repeat
 * runs read only what is new in Sent Items; with "memory" every run recounts the last 24 h.
 */
export function wireRunDeps(
  config: Config,
  io: CliIo,
  logger: Logger,
  opts: { cache?: TokenCache; state?: StateStore } = {},
): RunDeps {
  const secrets = createSecretResolver(io.env);
  const cache = opts.cache ? { cache: opts.cache } : {};
  return {
    clock: systemClock,
    logger,
    secrets,
    tokens: (mailbox, deadline) =>
      createTokenSource(mailbox, { secrets, clock: systemClock, logger, deadline, ...cache }),
    ...mailConnections,
    state: opts.state ?? createMemoryStore(),
    gate: createConnectionGate(config.connectionsPerTenant),
  };
}

export interface CheckCommandOptions {
  /** Replaces parts of the wired dependencies (tests: a lab CA, a fixed token source). */
  overrideDeps?: (deps: RunDeps) => RunDeps;
}

export async function checkCommand(
  argv: readonly string[],
  io: CliIo,
  opts: CheckCommandOptions = {},
): Promise<number> {
  let config: Config;
  let json: boolean;
  let concurrency: number;
  try {
    const args = parseArgs(argv, { values: ['config', 'mailbox', 'concurrency'], flags: ['json', 'help'] });
    if (args.flags.has('help')) {
      io.stdout(CHECK_USAGE);
      return 0;
    }
    const file = args.values.config;
    if (!file) throw new UsageError('--config FILE is required');
    json = args.flags.has('json');
    concurrency =
      args.values.concurrency !== undefined ? Number(args.values.concurrency) : DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw new UsageError('--concurrency must be an integer from 1 to 64');
    }
    const loaded = loadConfigFile(file);
    config = loaded.config;
    for (const w of loaded.warnings) io.stderr(`warning: ${w}`);
    const only = args.values.mailbox;
    if (only !== undefined) {
      const picked = config.mailboxes.filter((m) => m.id === only);
      if (picked.length === 0) {
        throw new UsageError(
          `--mailbox: no mailbox "${only}" in ${file} (have: ${config.mailboxes.map((m) => m.id).join(', ')})`,
        );
      }
      config = { ...config, mailboxes: picked };
    }
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof ConfigError)) throw err;
    // Nagios and NRPE show only stdout: the monitor's own problem is one UNKNOWN line there (not under --json,
    // whose stdout is JSON only), the whole reason on stderr.
    if (!argv.includes('--json')) {
      const oneLine = err.message
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .join('; ')
        .replace(/:; /g, ': ');
      io.stdout(`MAILBOX-HEALTH UNKNOWN - ${nagiosSafe(oneLine || 'bad configuration')}`);
    }
    if (err instanceof UsageError) {
      io.stderr(`mailbox-health check: ${err.message}`);
      io.stderr(CHECK_USAGE);
    } else {
      io.stderr(err.message);
    }
    return 3;
  }

  const logger = streamLogger(io.stderr, 'warn');
  let state: StateStore;
  try {
    state = await createStateStore(config.state.tables, createSecretResolver(io.env));
    await state.ensureTables();
  } catch (err) {
    // The monitor's own state store is unusable (held by another run, unreachable): UNKNOWN before any mailbox
    // is touched. Nagios and NRPE show only stdout, so the reason is on the one line there too.
    const reason = `state store (state.tables): ${err instanceof Error ? err.message : String(err)}`;
    if (!json) io.stdout(`MAILBOX-HEALTH UNKNOWN - ${nagiosSafe(reason, 1000)}`);
    io.stderr(`mailbox-health check: ${reason}`);
    return 3;
  }
  try {
    return await runChecks(config, io, logger, state, json, concurrency, opts);
  } finally {
    closeStateStore(state);
  }
}

async function runChecks(
  config: Config,
  io: CliIo,
  logger: Logger,
  state: StateStore,
  json: boolean,
  concurrency: number,
  opts: CheckCommandOptions,
): Promise<number> {
  // With a state directory, tokens outlive the run too (sealed, auth/token-vault.ts): a run every few minutes
  // asks Entra once per token lifetime. Doctor does not use them: it proves the credential with a fresh sign-in.
  const tables = config.state.tables;
  const stateDirectory = typeof tables === 'object' && 'directory' in tables ? tables.directory : undefined;
  const cache = stateDirectory ? new TokenCache({ vault: directoryGrantVault(stateDirectory) }) : undefined;
  let deps = wireRunDeps(config, io, logger, { state, ...(cache ? { cache } : {}) });
  if (opts.overrideDeps) deps = opts.overrideDeps(deps);
  const progress = io.stderrIsTTY === true && config.mailboxes.length > 1;
  const perMailbox = await runMailboxes(config, deps, {
    concurrency,
    onMailboxDone: (mailbox, results, done, total) => {
      if (!progress) return;
      const worst = worstStatus(results.map((r) => r.status));
      io.stderr(`[${done}/${total}] ${mailbox.id}: ${worst}`);
    },
  });
  const results: CheckResult[] = perMailbox.flat();
  if (stateDirectory) {
    // With a state directory the next run reads this run's results as the cycle's do (the inbox check asks the
    // server only about messages that arrived since), and `mailbox-health status` draws the runs' history from
    // it. No alert is decided here — that is the Function App's job.
    const now = systemClock.now();
    await Promise.all(
      config.mailboxes.flatMap((m, i) => {
        const results = perMailbox[i] ?? [];
        const kept = (what: string) => (err: unknown) =>
          logger.warn(`${what} not kept`, {
            mailbox: m.id,
            error: err instanceof Error ? err.message : String(err),
          });
        return [
          recordStatusRows(state, m.id, results, now).catch(kept('status rows')),
          recordHistory(state, m.id, results, now).catch(kept('history')),
        ];
      }),
    );
  }
  if (json) {
    io.stdout(JSON.stringify(results, null, 2));
  } else {
    io.stdout(nagiosLine(results));
    for (const line of table(results)) io.stdout(line);
  }
  return NAGIOS_EXIT[worstStatus(results.map((r) => r.status))];
}
