#!/usr/bin/env node
/**
 * The `mailbox-health` command: `check` (one-shot, Nagios exit codes) and `doctor` (walks the setup steps).
 * `main(argv, io)` is the testable entry; the bottom runs it when this file is the process's script.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { CliIo } from './args.js';

const USAGE = [
  'usage: mailbox-health <command> [options]',
  '',
  'commands:',
  '  check   --config FILE [--mailbox ID] [--json] [--concurrency N]   run the checks once (Nagios exit codes)',
  '  doctor  --config FILE [--mailbox ID] [--json]                      walk the setup steps, PASS/FAIL with the fix',
  '  status  --config FILE --out FILE.html                              the status pages (30 days of history) from the state store',
  '',
  'options: --help, --version',
];

function version(): string {
  // The bundle (dist/bundle/cli.js), the tsc output and src/cli/main.ts all sit two or three levels below the root.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'mailbox-health' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

// Each command is imported when it runs: `--help` and `--version` load nothing of the checks (a cold start is
// mostly module loading), and `check` does not pay for the doctor's imports.
async function check(argv: string[], io: CliIo): Promise<number> {
  const { checkCommand } = await import('./check.js');
  return checkCommand(argv, io);
}

async function status(argv: string[], io: CliIo): Promise<number> {
  const { statusCommand } = await import('./status.js');
  return statusCommand(argv, io);
}

async function doctor(argv: string[], io: CliIo): Promise<number> {
  const { doctorCommand } = await import('./doctor.js');
  return doctorCommand(argv, io);
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
      return check(rest, io);
    case 'doctor':
      return doctor(rest, io);
    case 'status':
      return status(rest, io);
    case '--version':
    case '-v':
      io.stdout(version());
      return 0;
    case '--help':
    case '-h':
    case 'help':
      for (const line of USAGE) io.stdout(line);
      return 0;
    default:
      io.stderr(
        command === undefined
          ? 'mailbox-health: a command is required'
          : `mailbox-health: unknown command "${command}"`,
      );
      for (const line of USAGE) io.stderr(line);
      return 3;
  }
}

function isScript(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isScript()) {
  // `mailbox-health --help | head -1`: the reader went away; end quietly instead of with an EPIPE stack trace.
  // A monitoring host runs this every few minutes: Node keeps the compiled code of what a command loads (in
  // NODE_COMPILE_CACHE, else <tmpdir>/node-compile-cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later
  // runs skip compiling the bundle again. Nothing depends on it: a cache Node cannot use is ignored.
  enableCompileCache();
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const io: CliIo = {
    stdout: (line) => process.stdout.write(line + '\n'),
    stderr: (line) => process.stderr.write(line + '\n'),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // A bug: name its class only (a message could carry anything).
      process.stderr.write(
        `mailbox-health: internal error (${err instanceof Error ? err.name : typeof err})\n`,
      );
      process.exitCode = 3;
    },
  );
}
