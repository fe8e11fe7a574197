/**
 * Argument parsing for the CLI: Node's `util.parseArgs` in strict mode (unknown options, missing values and stray
 * arguments are errors), with the errors reworded as usage errors, so a typo exits 3 with the reason instead of
 * running something else.
 */
import { parseArgs as nodeParseArgs } from 'node:util';

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

/** Node's parse errors in the words of the rest of the CLI (the option named as typed). */
function usageErrorOf(err: unknown): UsageError {
  const e = err as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option ${option ?? ''}`.trim());
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument "${/'([^']*)'/.exec(e.message ?? '')?.[1] ?? ''}"`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(
        /does not take an argument/.test(e.message ?? '')
          ? `${option ?? 'a flag'} takes no value`
          : `${option ?? 'an option'} needs a value`,
      );
    default:
      return new UsageError(e.message ?? 'bad arguments');
  }
}

export function parseArgs(argv: readonly string[], spec: OptionSpec): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of spec.values) options[name] = { type: 'string' };
  for (const name of spec.flags) options[name] = { type: 'boolean' };
  let tokens;
  try {
    ({ tokens } = nodeParseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: false,
      tokens: true,
    }));
  } catch (err) {
    throw usageErrorOf(err);
  }
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (options[token.name]?.type === 'boolean') {
      flags.add(token.name);
      continue;
    }
    if (values[token.name] !== undefined) throw new UsageError(`--${token.name} given twice`);
    if (token.value === undefined || token.value === '')
      throw new UsageError(`--${token.name} needs a value`);
    values[token.name] = token.value;
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
