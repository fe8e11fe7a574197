/**
 * Azurite tables, queues and blobs (the configuration blob) as child processes of the lab, in memory, on free ports, without telemetry.
 * Consumers use the dev-account connection string with explicit endpoints and `{ allowInsecureConnection: true }`
 * (plain http to 127.0.0.1; nothing to do with TLS verification).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** Azurite's well-known development account (public, documented; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface LabAzurite {
  connectionString: string;
  tableUrl: string;
  queueUrl: string;
  blobUrl: string;
  /** Child pids, for the lab's watchdog. */
  pids: number[];
  stop(): Promise<void>;
}

/** A free port: bind 0, read it, release it (Azurite cannot report a port it chose itself). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startService(
  kind: 'table' | 'queue' | 'blob',
  dir: string,
  attempts = 3,
): Promise<{ child: ChildProcess; port: number }> {
  const pkg = dirname(createRequire(import.meta.url).resolve('azurite/package.json'));
  const main = join(pkg, 'dist', 'src', kind, 'main.js');
  let lastError = '';
  for (let i = 0; i < attempts; i++) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        main,
        `--${kind}Host`,
        '127.0.0.1',
        `--${kind}Port`,
        String(port),
        '--inMemoryPersistence',
        '--disableTelemetry',
        '--skipApiVersionCheck',
        '--silent',
      ],
      // In memory (no --location allowed with it); cwd keeps anything Azurite might still write in the lab dir.
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const collect = (c: Buffer) => {
      out = (out + c.toString()).slice(-2000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    // Ready = the port accepts connections (Azurite's own log wording differs per service and version).
    // Generous: on a machine shared by many test runs, Azurite alone can take tens of seconds to load.
    const ready = await waitForPort(port, child, 90_000);
    if (ready) return { child, port };
    lastError = out.trim().slice(-500);
    await stopChild(child);
  }
  throw new Error(`lab: Azurite ${kind} did not start: ${lastError}`);
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export async function startAzurite(labDir: string): Promise<LabAzurite> {
  const dir = join(labDir, 'azurite');
  mkdirSync(dir, { recursive: true });
  const settled = await Promise.allSettled([
    startService('table', dir),
    startService('queue', dir),
    startService('blob', dir),
  ]);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    // One started, the other did not: leave nothing running behind.
    for (const r of settled) if (r.status === 'fulfilled') await stopChild(r.value.child);
    throw (failed as PromiseRejectedResult).reason;
  }
  const [table, queue, blob] = settled.map(
    (r) => (r as PromiseFulfilledResult<{ child: ChildProcess; port: number }>).value,
  );
  if (!table || !queue || !blob) throw new Error('lab: Azurite start bug');
  const tableUrl = `http://127.0.0.1:${table.port}/${DEV_ACCOUNT}`;
  const queueUrl = `http://127.0.0.1:${queue.port}/${DEV_ACCOUNT}`;
  const blobUrl = `http://127.0.0.1:${blob.port}/${DEV_ACCOUNT}`;
  const children = [table.child, queue.child, blob.child];
  return {
    tableUrl,
    queueUrl,
    blobUrl,
    pids: children.map((c) => c.pid).filter((p): p is number => typeof p === 'number'),
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `TableEndpoint=${tableUrl};QueueEndpoint=${queueUrl};BlobEndpoint=${blobUrl};`,
    stop: async () => {
      await Promise.all(children.map(stopChild));
    },
  };
}
