/**
 * Argument parsing for the CLI: a small strict parser (unknown options are errors, values are required), so a
 * typo exits 3 with the reason instead of running something else.
 */
export class UsageError extends Error {
  readonly code = 'EUSAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** Options taking a value, e.g. `config` for `--config FILE` (also `--config=FILE`). */
  values: readonly string[];
  /** Boolean flags, e.g. `json`. */
  flags: readonly string[];
}

export interface ParsedArgs {
  values: Record<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: readonly string[], spec: OptionSpec): ParsedArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument "${arg}"`);
    const name = m[1]!;
    if (spec.flags.includes(name)) {
      if (m[2] !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else if (spec.values.includes(name)) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value === '' || (m[2] === undefined && value.startsWith('--'))) {
        throw new UsageError(`--${name} needs a value`);
      }
      if (values[name] !== undefined) throw new UsageError(`--${name} given twice`);
      values[name] = value;
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { values, flags };
}

/** What every command writes through: lines to stdout/stderr, the environment, whether stderr is a terminal. */
export interface CliIo {
  stdout(line: string): void;
  stderr(line: string): void;
  env: NodeJS.ProcessEnv;
  stderrIsTTY?: boolean;
}
