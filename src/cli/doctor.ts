/**
 * `mailbox-health doctor --config FILE [--mailbox ID] [--json]`: walks the vendor guide's setup in order and
 * says, per step, PASS / FAIL with the fix / SKIP with why. Independent steps run after a failure; a step that
 * needs an earlier one's result (a token, an IMAP session) is skipped with the reason. Exit 0 when nothing
 * failed, 2 when a step failed, 3 for bad arguments or configuration (README "Using it").
 *
 * One IMAP and one SMTP connection per mailbox, both closed before the next mailbox; nothing is sent (SMTP
 * `verify()` only) and INBOX is opened read-only (EXAMINE). No secret or token is ever written: details carry
 * codes, descriptions and server replies only, cleaned of control characters.
 */
import { readFileSync } from 'node:fs';
import { TokenCache } from '../shared/auth/token-cache.js';
import { ConfigError, createSecretResolver, parseConfig, type Config } from '../shared/config/index.js';
import { SETUP_STEP_TITLES } from '../shared/contracts.js';
import { streamLogger } from '../shared/logger.js';
import { cleanText } from '../shared/report/escape.js';
import { parseArgs, UsageError, type CliIo } from './args.js';
import {
  DOCTOR_STEPS,
  doctorMailbox,
  type DoctorOptions,
  type DoctorResult,
  type DoctorStep,
} from './doctor-steps.js';

export * from './doctor-steps.js';

/** Walks the setup steps for every mailbox (or `opts.mailbox`), one mailbox after the other. */
export async function runDoctor(config: Config, opts: DoctorOptions): Promise<DoctorResult> {
  const cache = opts.cache ?? new TokenCache();
  const mailboxes = config.mailboxes.filter((m) => opts.mailbox === undefined || m.id === opts.mailbox);
  const steps: DoctorStep[] = [];
  for (const m of mailboxes) steps.push(...(await doctorMailbox(m, opts, cache)));
  return { steps, exitCode: steps.some((s) => s.status === 'FAIL') ? 2 : 0 };
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

export const DOCTOR_USAGE = 'usage: mailbox-health doctor --config FILE [--mailbox ID] [--json]';

/**
 * Reads the configuration. ESM settings that contradict the app registration make the configuration invalid
 * for `check`, but finding exactly that is doctor's job: such mailboxes are loaded without their `esm` block,
 * which the ESM step then judges (any other problem still exits 3).
 */
export function loadDoctorConfig(doc: unknown, source: string) {
  try {
    const loaded = parseConfig(doc, source);
    return { ...loaded, esmOverrides: new Map<string, Record<string, unknown>>() };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const esmIndex = err.issues.map((i) => /^mailboxes\[(\d+)\](\.esm|\["esm"\])/.exec(i.path)?.[1]);
    if (esmIndex.some((i) => i === undefined) || !doc || typeof doc !== 'object') throw err;
    const copy = structuredClone(doc) as { mailboxes: Array<Record<string, unknown>> };
    const raw = new Map<number, Record<string, unknown>>();
    for (const i of new Set(esmIndex.map(Number))) {
      const mb = copy.mailboxes[i];
      if (mb && typeof mb.esm === 'object' && mb.esm !== null) raw.set(i, mb.esm as Record<string, unknown>);
      if (mb) delete mb.esm;
    }
    let loaded;
    try {
      loaded = parseConfig(copy, source);
    } catch {
      throw err;
    }
    const esmOverrides = new Map<string, Record<string, unknown>>();
    for (const [i, esm] of raw) {
      const id = copy.mailboxes[i]?.id;
      if (typeof id === 'string') esmOverrides.set(id, esm);
    }
    return { ...loaded, esmOverrides };
  }
}

/** `main.ts` dispatches `doctor` here: argv after the subcommand. */
export async function doctorCommand(
  argv: string[],
  io: CliIo,
  overrides: Partial<DoctorOptions> = {},
): Promise<number> {
  let config: Config;
  let json = false;
  let only: string | undefined;
  let warnings: string[] = [];
  let esmOverrides: Map<string, Record<string, unknown>>;
  try {
    const args = parseArgs(argv, { values: ['config', 'mailbox'], flags: ['json', 'help'] });
    if (args.flags.has('help')) {
      io.stdout(DOCTOR_USAGE);
      return 0;
    }
    json = args.flags.has('json');
    const file = args.values.config;
    if (!file) throw new UsageError('--config FILE is required');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})` }],
        file,
      );
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new ConfigError([{ path: '', message: `not valid JSON: ${(err as Error).message}` }], file);
    }
    const loaded = loadDoctorConfig(doc, file);
    ({ config, warnings, esmOverrides } = loaded);
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
      if (json) io.stdout(JSON.stringify({ steps, exitCode: 3 }, null, 2));
      return 3;
    }
    throw err;
  }
  for (const w of warnings) io.stderr(`warning: ${w}`);
  const result = await runDoctor(config, {
    secrets: createSecretResolver(io.env),
    logger: streamLogger(io.stderr, 'warn'),
    configWarnings: warnings,
    esmOverrides,
    ...(only !== undefined ? { mailbox: only } : {}),
    ...overrides,
  });
  if (json) io.stdout(JSON.stringify(result, null, 2));
  else for (const line of renderDoctorText(result)) io.stdout(line);
  return result.exitCode;
}
