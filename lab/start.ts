/**
 * Starts the whole lab in this process (Entra emulator, control API, SMTP) plus child processes it owns (Azurite,
 * Dovecot), and stops all of it. Used once per test run by lab/with-lab.ts, and by the demo and benchmarks.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLabCa, type LabCa } from './ca.js';
import { ControlServer, entraRoutes } from './control.js';
import type { LabEndpoints } from './endpoints.js';
import { startAzurite } from './azurite.js';
import { dovecotUnavailable, LabDovecot } from './dovecot.js';
import { EntraEmulator } from './entra.js';
import { LabSmtp } from './smtp.js';

export interface LabOptions {
  /** Lab directory; a short fresh one under /tmp by default (Dovecot's socket paths are limited to 108 bytes). */
  dir?: string;
  /** Use an existing CA instead of making one (with-lab makes it first). */
  ca?: LabCa;
  smtp?: boolean;
  azurite?: boolean;
  dovecot?: boolean;
  log?: (line: string) => void;
}

/** A component the lab started; stopped in reverse order. */
export interface LabPart {
  stop(): Promise<void>;
}

export interface Lab {
  endpoints: LabEndpoints;
  ca: LabCa;
  entra: EntraEmulator;
  control: ControlServer;
  stop(): Promise<void>;
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'mh-'));
  // mkdtemp makes 0700 directories; Dovecot's vmail user must be able to enter the lab dir.
  chmodSync(dir, 0o755);
  const log = opts.log ?? (() => {});
  const parts: LabPart[] = [];
  const stopAll = async () => {
    for (const p of parts.reverse()) {
      try {
        await p.stop();
      } catch (err) {
        log(`lab: stopping a part failed: ${String(err)}`);
      }
    }
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ca = opts.ca ?? createLabCa(dir);
    const tls = { cert: ca.serverCertPem, key: ca.serverKeyPem };
    const entra = new EntraEmulator();
    await entra.start(tls);
    parts.push(entra);
    const control = new ControlServer();
    control.add(entraRoutes(entra));
    await control.start();
    parts.push(control);
    const endpoints: LabEndpoints = {
      controlUrl: control.url,
      authorityHost: entra.authorityHost,
      entraBaseUrl: entra.baseUrl,
      caPath: ca.caCertPath,
      labDir: dir,
      imap: null,
      doveadm: null,
      smtp: null,
      azurite: null,
    };
    const lab: Lab = { endpoints, ca, entra, control, stop: stopAll };
    for (const extra of extras) {
      const part = await extra(lab, opts, dir, log);
      if (part) parts.push(part);
    }
    parts.push(startWatchdog(lab, ownDir ? dir : null, parts));
    return lab;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * If this process dies without stopping the lab (SIGKILL, crash), a detached shell stops Dovecot (a daemon, not
 * our child) and Azurite, and removes the lab dir. A normal stop kills the watchdog first.
 */
function startWatchdog(lab: Lab, dir: string | null, parts: LabPart[]): LabPart {
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const pids = parts.flatMap((p) => ('pids' in p && Array.isArray(p.pids) ? (p.pids as number[]) : []));
  const lines = [
    // A killed lab may linger as a zombie until reaped: state Z counts as dead.
    `while kill -0 ${process.pid} 2>/dev/null && ! grep -q ') Z' /proc/${process.pid}/stat 2>/dev/null; do sleep 1; done`,
    lab.endpoints.doveadm ? `doveadm -c ${q(lab.endpoints.doveadm.configPath)} stop 2>/dev/null` : '',
    pids.length ? `kill ${pids.join(' ')} 2>/dev/null` : '',
    dir ? `sleep 2; rm -rf ${q(dir)}` : '',
  ];
  const child = spawn('sh', ['-c', lines.filter(Boolean).join('\n')], { detached: true, stdio: 'ignore' });
  child.unref();
  return {
    stop: async () => {
      // The watchdog leads its own process group: kill it and its `sleep` together.
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Optional components (SMTP, Azurite, Dovecot), started in this order after Entra and the control API. */
type Extra = (
  lab: Lab,
  opts: LabOptions,
  dir: string,
  log: (line: string) => void,
) => Promise<LabPart | null>;
const extras: Extra[] = [
  async (lab, opts) => {
    if (opts.smtp === false) return null;
    const smtp = new LabSmtp(lab.entra);
    await smtp.start({ cert: lab.ca.serverCertPem, key: lab.ca.serverKeyPem });
    lab.control.add(smtp.routes());
    lab.endpoints.smtp = { host: '127.0.0.1', port: smtp.port };
    return smtp;
  },
  async (lab, opts, dir) => {
    if (opts.azurite === false) return null;
    const az = await startAzurite(dir);
    lab.endpoints.azurite = {
      connectionString: az.connectionString,
      tableUrl: az.tableUrl,
      queueUrl: az.queueUrl,
      blobUrl: az.blobUrl,
    };
    return az;
  },
  async (lab, opts, dir, log) => {
    if (opts.dovecot === false) {
      lab.endpoints.imapUnavailable = 'disabled by lab option';
      return null;
    }
    const why = dovecotUnavailable();
    if (why) {
      lab.endpoints.imapUnavailable = why;
      log(`no IMAP: ${why}`);
      return null;
    }
    const c = lab.ca;
    const dovecot = new LabDovecot(dir, lab.entra, {
      certPath: c.serverCertPath,
      keyPath: c.serverKeyPath,
      caPath: c.caCertPath,
      caPem: c.caPem,
    });
    try {
      await dovecot.start();
    } catch (err) {
      await dovecot.stop();
      throw err;
    }
    lab.control.add(dovecot.routes());
    lab.endpoints.imap = { host: '127.0.0.1', port: dovecot.port };
    lab.endpoints.doveadm = { configPath: dovecot.configPath };
    return dovecot;
  },
];
