/**
 * `node dist/lab/with-lab.js -- <command> [args…]`: makes the lab CA, starts the lab once, runs the command with
 * `NODE_EXTRA_CA_CERTS` (Node reads it only at process start, hence the wrapper) and `MAILBOX_HEALTH_LAB`, then
 * stops everything and exits with the command's exit code. `npm test` is `with-lab -- vitest run`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LAB_ENV } from './endpoints.js';
import { startLab, type Lab } from './start.js';

async function main(): Promise<number> {
  const sep = process.argv.indexOf('--');
  const cmd = sep >= 0 ? process.argv.slice(sep + 1) : process.argv.slice(2);
  if (cmd.length === 0) {
    process.stderr.write('usage: node dist/lab/with-lab.js -- <command> [args...]\n');
    return 2;
  }
  const log = (line: string) => process.stderr.write(`[lab] ${line}\n`);
  let lab: Lab | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= lab ? lab.stop() : Promise.resolve());
  let child: ReturnType<typeof spawn> | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping`);
    if (child && child.exitCode === null) child.kill(sig);
    else void stop().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const t0 = Date.now();
    lab = await startLab({ log });
    const e = lab.endpoints;
    log(
      `up in ${Date.now() - t0} ms: entra ${e.entraBaseUrl}, control ${e.controlUrl}, smtp ${e.smtp ? e.smtp.port : '-'}, ` +
        `imap ${e.imap ? e.imap.port : `- (${e.imapUnavailable ?? 'off'})`}, azurite ${e.azurite ? 'yes' : '-'}`,
    );
    // Local binaries (vitest, tsx…) resolve as under `npm run`.
    const bin = join(process.cwd(), 'node_modules', '.bin');
    const PATH = existsSync(bin) ? `${bin}${delimiter}${process.env.PATH ?? ''}` : (process.env.PATH ?? '');
    const env = { ...process.env, PATH, NODE_EXTRA_CA_CERTS: e.caPath, [LAB_ENV]: JSON.stringify(e) };
    child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env });
    const code = await new Promise<number>((resolve) => {
      child!.on('error', (err) => {
        log(`cannot run ${cmd[0]}: ${err.message}`);
        resolve(127);
      });
      child!.on('exit', (c, sig) => resolve(c ?? (sig ? 128 + 1 : 1)));
    });
    return code;
  } catch (err) {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  () => process.exit(1),
);
