/**
 * Runs the lab's Dovecot 2.3 (config from lab/dovecot-config.ts) as a daemon the lab owns: started with
 * `dovecot -c`, stopped with `doveadm -c … stop` and, failing that, by its master pid — never by name.
 * Seeds mailboxes through IMAP APPEND (chosen flags and INTERNALDATE) with a master-user login only the lab knows,
 * and keeps the app-token passwd-files in step with the Entra emulator's grants.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { ImapFlow } from 'imapflow';
import { freePort } from './azurite.js';
import type { Routes } from './control.js';
import {
  APP_TOKEN_SLOTS,
  dovecotConfig,
  dovecotPaths,
  prefixUserdb,
  oauth2Config,
  SEED_MASTER,
  type DovecotPaths,
} from './dovecot-config.js';
import type { EntraEmulator } from './entra.js';

export interface SeedMessage {
  raw: string;
  flags?: string[];
  internalDate?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why Dovecot cannot run here, or null when it can. A wrong major version is an error, not a skip. */
export function dovecotUnavailable(): string | null {
  const r = spawnSync('dovecot', ['--version'], { encoding: 'utf8' });
  if (r.error) return 'the `dovecot` command is not installed (apt-get install -y dovecot-imapd)';
  const version = r.stdout.trim();
  if (!/^2\.3\./.test(version)) {
    throw new Error(`lab: Dovecot 2.3.x is required (Debian 12 dovecot-imapd); found "${version}"`);
  }
  return null;
}

function ensureVmailUser(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync('id', [flag, 'vmail'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    execFileSync(
      'useradd',
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        'vmail',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

export class LabDovecot {
  readonly paths: DovecotPaths;
  port = 0;
  readonly #seedPassword = randomBytes(18).toString('base64url');
  readonly #lastSize = new Map<number, number>();
  readonly #lastBody = new Map<number, string>();
  #expiryTimer: NodeJS.Timeout | null = null;
  #pid: number | null = null;
  readonly #onAccessChanged = () => this.writeAppTokens();
  #lastWriteAt = 0;
  /**
   * Dovecot stats a passwd-file at most once per second (db-passwd-file.c keys the check on the ioloop second),
   * so a rewrite is certain to be seen only from the next whole second on. Callers that announce a change
   * (token endpoint, grant routes) wait for that.
   */
  readonly #settle = async () => {
    const visibleAt = Math.floor(this.#lastWriteAt / 1000) * 1000 + 1000 + 30;
    const wait = visibleAt - Date.now();
    if (wait > 0) await sleep(wait);
  };

  constructor(
    labDir: string,
    readonly entra: EntraEmulator,
    readonly tls: { certPath: string; keyPath: string; caPath: string; caPem: string },
    readonly opts: { specialUse?: boolean } = {},
  ) {
    this.paths = dovecotPaths(labDir);
  }

  get configPath(): string {
    return this.paths.conf;
  }

  async start(): Promise<void> {
    const p = this.paths;
    const vmail = ensureVmailUser();
    for (const d of [p.dir, p.stateDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
    mkdirSync(p.mail, { recursive: true, mode: 0o700 });
    chownSync(p.mail, vmail.uid, vmail.gid);
    this.port = await freePort();
    const input = {
      paths: p,
      port: this.port,
      certPath: this.tls.certPath,
      keyPath: this.tls.keyPath,
      caPath: this.tls.caPath,
      introspectionUrl: `${this.entra.baseUrl}/introspect`,
      vmailUid: vmail.uid,
      vmailGid: vmail.gid,
      specialUse: this.opts.specialUse ?? false,
    };
    writeFileSync(p.conf, dovecotConfig(input));
    writeFileSync(p.oauth2Conf, oauth2Config(input));
    writeFileSync(p.prefixUserdb, prefixUserdb(), { mode: 0o644 });
    writeFileSync(p.masterPasswd, `${SEED_MASTER}:{PLAIN}${this.#seedPassword}\n`, { mode: 0o644 });
    this.writeAppTokens();
    this.entra.on('app-access-changed', this.#onAccessChanged);
    this.entra.settleHooks.push(this.#settle);
    // dovecot daemonizes: keep no pipes (a sync spawn holding them would block forever).
    const r = spawnSync('dovecot', ['-c', p.conf], { stdio: 'ignore' });
    if (r.status !== 0)
      throw new Error(`lab: dovecot failed to start (exit ${r.status}); see ${p.log}\n${this.#logTail()}`);
    const pidFile = `${p.baseDir}/master.pid`;
    const deadline = Date.now() + 15_000;
    // The master writes its pid a moment after the command returns; then wait for the listener.
    while (Date.now() < deadline && !existsSync(pidFile)) await sleep(50);
    if (!existsSync(pidFile)) throw new Error(`lab: dovecot wrote no master.pid\n${this.#logTail()}`);
    this.#pid = Number(readFileSync(pidFile, 'utf8').trim());
    while (Date.now() < deadline && !(await canConnect(this.port))) await sleep(50);
    if (!(await canConnect(this.port))) {
      await this.stop();
      throw new Error(`lab: dovecot is not listening on ${this.port}\n${this.#logTail()}`);
    }
  }

  async stop(): Promise<void> {
    this.entra.off('app-access-changed', this.#onAccessChanged);
    const i = this.entra.settleHooks.indexOf(this.#settle);
    if (i >= 0) this.entra.settleHooks.splice(i, 1);
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    // A start that failed half-way may have a master running without us knowing its pid yet.
    const pidFile = `${this.paths.baseDir}/master.pid`;
    const pid =
      this.#pid ?? (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || null : null);
    this.#pid = null;
    if (!existsSync(this.paths.conf)) return;
    spawnSync('doveadm', ['-c', this.paths.conf, 'stop'], { stdio: 'ignore', timeout: 10_000 });
    if (pid === null) return;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && isAlive(pid)) await sleep(50);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }

  #logTail(): string {
    try {
      return readFileSync(this.paths.log, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no dovecot log)';
    }
  }

  /**
   * Rewrites the app-token passwd-files from the emulator's issued tokens and mailbox grants. Dovecot re-reads a
   * passwd-file when its mtime or size changes; writes within one second could keep both, so each file only grows
   * in size (a padding comment), and is replaced atomically.
   */
  writeAppTokens(): void {
    const byMailbox = this.entra.imapAppTokensByMailbox();
    let changed = false;
    for (let slot = 0; slot < APP_TOKEN_SLOTS; slot++) {
      const lines: string[] = [];
      for (const [mailbox, tokens] of byMailbox) {
        const t = tokens[slot];
        if (t) lines.push(`${mailbox.toLowerCase()}:{PLAIN}${t}`);
      }
      const body = lines.join('\n') + '\n';
      // Unchanged slots are not touched, so callers only wait for Dovecot when access really changed.
      if (this.#lastBody.get(slot) === body) continue;
      this.#lastBody.set(slot, body);
      changed = true;
      const last = this.#lastSize.get(slot) ?? 0;
      const pad = Math.max(0, last + 1 - (Buffer.byteLength(body) + 2));
      const text = `${body}#${'.'.repeat(pad)}\n`;
      const file = this.paths.appTokenFile(slot);
      writeFileSync(`${file}.tmp`, text, { mode: 0o644 });
      renameSync(`${file}.tmp`, file);
      this.#lastSize.set(slot, statSync(file).size);
    }
    if (changed) this.#lastWriteAt = Date.now();
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    const next = this.entra.nextAppTokenExpiry();
    if (next !== null) {
      this.#expiryTimer = setTimeout(() => this.writeAppTokens(), Math.max(0, next - Date.now()) + 50);
      this.#expiryTimer.unref();
    }
  }

  #seedClient(user: string): ImapFlow {
    return new ImapFlow({
      host: '127.0.0.1',
      port: this.port,
      secure: true,
      auth: { user: `${user}*${SEED_MASTER}`, pass: this.#seedPassword },
      // The lab process has no NODE_EXTRA_CA_CERTS of its own: trust the lab CA explicitly.
      tls: { ca: [this.tls.caPem] },
      logger: false,
    });
  }

  /** APPENDs messages with their flags and INTERNALDATE; creates the folder when missing. */
  async seedMessages(user: string, folder: string, messages: SeedMessage[]): Promise<{ uids: number[] }> {
    const client = this.#seedClient(user);
    await client.connect();
    try {
      const list = await client.list();
      if (!list.some((m) => m.path === folder)) await client.mailboxCreate(folder);
      const uids: number[] = [];
      for (const m of messages) {
        const r = await client.append(
          folder,
          m.raw,
          m.flags ?? [],
          m.internalDate ? new Date(m.internalDate) : undefined,
        );
        if (r && typeof r === 'object' && 'uid' in r && typeof r.uid === 'number') uids.push(r.uid);
      }
      return { uids };
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  async listMessages(
    user: string,
    folder: string,
  ): Promise<{ uid: number; flags: string[]; internalDate: string; size: number; messageId: string }[]> {
    const client = this.#seedClient(user);
    await client.connect();
    try {
      const box = await client.mailboxOpen(folder, { readOnly: true });
      if (box.exists === 0) return []; // "1:*" is not a valid set in an empty mailbox
      const out: { uid: number; flags: string[]; internalDate: string; size: number; messageId: string }[] =
        [];
      for await (const msg of client.fetch('1:*', {
        uid: true,
        flags: true,
        internalDate: true,
        size: true,
        envelope: true,
      })) {
        out.push({
          uid: msg.uid,
          flags: [...(msg.flags ?? [])].filter((f) => f !== '\\Recent'), // \Recent is per session
          internalDate: new Date(msg.internalDate ?? 0).toISOString(),
          size: msg.size ?? 0,
          messageId: msg.envelope?.messageId ?? '',
        });
      }
      return out;
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  routes(): Routes {
    const s = (v: unknown, name: string) => {
      if (typeof v !== 'string' || !v) throw new Error(`${name}: expected a non-empty string`);
      return v;
    };
    return {
      'POST /imap/seed': (b) =>
        this.seedMessages(
          s(b.user, 'user'),
          s(b.folder, 'folder'),
          (b.messages as SeedMessage[] | undefined) ?? [],
        ),
      'GET /imap/messages': (_b, q) =>
        this.listMessages(s(q.get('user'), 'user'), s(q.get('folder'), 'folder')),
    };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}
