/**
 * `mailbox-health doctor --config FILE [--mailbox ID] [--json]`: walks the setup in order and says, per step,
 * PASS / WARN / FAIL with the fix / SKIP with why. The steps after "authority reachable" are the checks themselves
 * (the same `runMailbox` as `check`, shown as steps), so doctor and check always give a mailbox the same status.
 * Exit 0 when nothing failed, 2 when a step failed, 3 for bad arguments or configuration (README "Using it").
 *
 * Mailboxes are walked one after the other, each with the checks' own connections (one IMAP, one SMTP), a fresh
 * token cache (doctor proves a real token request) and an in-memory state store (doctor writes no state); nothing
 * is sent and INBOX is opened read-only. Every text passes the checks' scrubber and cleaner.
 */
import { readFileSync } from 'node:fs';
import { TokenCache } from '../shared/auth/token-cache.js';
import type { RunDeps } from '../shared/checks/runner.js';
import { ConfigError, parseConfig, type Config } from '../shared/config/index.js';
import { SETUP_STEP_TITLES, worstStatus, type CheckResult } from '../shared/contracts.js';
import { streamLogger } from '../shared/logger.js';
import { cleanText } from '../shared/report/escape.js';
import { createMemoryStore } from '../shared/state/memory-store.js';
import { parseArgs, UsageError, type CliIo } from './args.js';
import { wireRunDeps } from './check.js';
import {
  DOCTOR_STEPS,
  doctorMailbox,
  type DoctorOptions,
  type DoctorResult,
  type DoctorStep,
} from './doctor-steps.js';

export * from './doctor-steps.js';

/** Walks the steps for every mailbox (or `opts.mailbox`), one mailbox after the other. */
export async function runDoctor(
  config: Config,
  deps: RunDeps,
  opts: DoctorOptions = {},
): Promise<DoctorResult> {
  const mailboxes = config.mailboxes.filter((m) => opts.mailbox === undefined || m.id === opts.mailbox);
  const steps: DoctorStep[] = [];
  const results: CheckResult[] = [];
  for (const m of mailboxes) {
    const out = await doctorMailbox(m, deps, opts);
    steps.push(...out.steps);
    results.push(...out.results);
  }
  return {
    steps,
    status: worstStatus(results.map((r) => r.status)),
    exitCode: steps.some((s) => s.status === 'FAIL') ? 2 : 0,
  };
}

/** The readable report: one block per mailbox, numbered steps, the fix and the guide's step under each failure. */
export function renderDoctorText(result: DoctorResult): string[] {
  const lines: string[] = [];
  let current = '';
  let n = 0;
  for (const s of result.steps) {
    if (s.mailbox !== current) {
      if (current) lines.push('');
      lines.push(`mailbox-health doctor: ${s.mailbox}`);
      current = s.mailbox;
      n = 0;
    }
    n++;
    lines.push(`  ${s.status.padEnd(4)}  ${n}. ${s.title} — ${s.detail}`);
    if (s.fix) lines.push(`              fix: ${s.fix}`);
    if (s.setupStep) lines.push(`              setup step: ${SETUP_STEP_TITLES[s.setupStep]}`);
  }
  const failed = result.steps.filter((s) => s.status === 'FAIL').length;
  const skipped = result.steps.filter((s) => s.status === 'SKIP').length;
  lines.push('');
  lines.push(
    `${failed ? 'FAIL' : 'PASS'}: ${result.steps.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`,
  );
  return lines;
}

export const DOCTOR_USAGE = [
  'usage: mailbox-health doctor --config FILE [--mailbox ID] [--json]',
  '',
  '  --config FILE   the configuration (docs/configuration.md)',
  '  --mailbox ID    walk only this mailbox',
  '  --json          print the steps as JSON (with "status": what `check` says of the mailboxes)',
  '',
  'exit codes: 0 nothing failed, 2 a step failed, 3 bad arguments or configuration',
].join('\n');

export interface DoctorCommandOptions {
  /** Replaces parts of the wired dependencies (tests). */
  overrideDeps?: (deps: RunDeps) => RunDeps;
}

function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})` }],
      file,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ path: '', message: `not valid JSON: ${(err as Error).message}` }], file);
  }
}

/** `main.ts` dispatches `doctor` here: argv after the subcommand. */
export async function doctorCommand(
  argv: string[],
  io: CliIo,
  opts: DoctorCommandOptions = {},
): Promise<number> {
  let config: Config;
  let json = false;
  let only: string | undefined;
  let warnings: string[] = [];
  try {
    const args = parseArgs(argv, { values: ['config', 'mailbox'], flags: ['json', 'help'] });
    if (args.flags.has('help')) {
      io.stdout(DOCTOR_USAGE);
      return 0;
    }
    json = args.flags.has('json');
    const file = args.values.config;
    if (!file) throw new UsageError('--config FILE is required');
    // ESM settings that contradict the app registration are exactly what doctor's ESM step explains: they are
    // loaded as written instead of failing the configuration (any other problem still exits 3).
    ({ config, warnings } = parseConfig(readDocument(file), file, { esm: 'judge' }));
    only = args.values.mailbox;
    if (only !== undefined && !config.mailboxes.some((m) => m.id === only))
      throw new UsageError(
        `--mailbox: no mailbox "${only}" (have: ${config.mailboxes.map((m) => m.id).join(', ')})`,
      );
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`mailbox-health doctor: ${err.message}`);
      io.stderr(DOCTOR_USAGE);
      return 3;
    }
    if (err instanceof ConfigError) {
      io.stderr(err.message);
      const steps = err.issues.map((i) => ({
        mailbox: '',
        step: 'config' as const,
        title: DOCTOR_STEPS.config,
        status: 'FAIL' as const,
        detail: cleanText(`${i.path || '(document)'}: ${i.message}`, 400),
      }));
      if (json) io.stdout(JSON.stringify({ steps, status: 'UNKNOWN', exitCode: 3 }, null, 2));
      return 3;
    }
    throw err;
  }
  for (const w of warnings) io.stderr(`warning: ${w}`);
  const wired = wireRunDeps(config, io, streamLogger(io.stderr, 'warn'), {
    cache: new TokenCache(),
    state: createMemoryStore(),
  });
  const deps = opts.overrideDeps ? opts.overrideDeps(wired) : wired;
  const result = await runDoctor(config, deps, {
    configWarnings: warnings,
    ...(only !== undefined ? { mailbox: only } : {}),
  });
  if (json) io.stdout(JSON.stringify(result, null, 2));
  else for (const line of renderDoctorText(result)) io.stdout(line);
  return result.exitCode;
}
