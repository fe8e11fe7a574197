/**
 * The one IMAP connection of a mailbox run (ImapSessionPort), with imapflow: implicit TLS to cloud.imapHost,
 * XOAUTH2 (`auth: { user, accessToken }` — Exchange Online advertises XOAUTH2 only), every wait bounded by the
 * run's deadline, and a logger that passes on imapflow's warnings without their payloads (never a token).
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { MailboxConfig } from '../config/load.js';
import type { Logger } from '../logger.js';
import { raceDeadline } from '../deadline.js';
import type { Deadline } from '../deadline.js';
import type { ImapSessionPort } from './ports.js';

export interface ImapSessionOptions {
  /** Extra CA certificates to trust (PEM), in addition to the system's and NODE_EXTRA_CA_CERTS. */
  ca?: string | Buffer;
}

/** imapflow's default per-greeting wait; kept unless the deadline is nearer. */
const GREETING_MS = 16_000;
/** How long a polite LOGOUT may take before the socket is simply closed. */
const LOGOUT_MS = 1_000;

/** Splits an optional ":port" off a configured host (the schema accepts host:port everywhere). */
export function splitHost(host: string, defaultPort: number): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(host);
  if (m && !m[1]!.includes(':')) return { host: m[1]!, port: Number(m[2]) };
  return { host, port: defaultPort };
}

/**
 * imapflow logs pino-style objects; its debug/info entries include protocol lines (message data) and its errors
 * repeat what the check's result already reports. Only warnings and errors pass, at debug level, reduced to their
 * message and error code — never the error object (it can hold the command that carried the token).
 */
export function imapflowLogger(logger: Logger, mailboxId: string): NonNullable<ImapFlowOptions['logger']> {
  const pass = (entry: unknown) => {
    const e = (entry ?? {}) as { msg?: unknown; err?: { code?: unknown } };
    const data: Record<string, unknown> = { mailbox: mailboxId };
    if (e.err && typeof e.err.code === 'string') data.code = e.err.code;
    logger.debug(`imap: ${typeof e.msg === 'string' ? e.msg : 'event'}`, data);
  };
  const drop = () => undefined;
  return { trace: drop, debug: drop, info: drop, warn: pass, error: pass, fatal: pass } as never;
}

type Run = (this: ImapFlow, command: string, ...args: unknown[]) => Promise<unknown>;
/** imapflow's internal command runner (`run`, untyped): every command of a session goes through it. */
const baseRun = (ImapFlow.prototype as unknown as { run: Run }).run;
const idSent = new WeakSet<ImapFlow>();

/**
 * imapflow sends ID (RFC 2971) before login and again after it when the server's first answer had fewer than two
 * fields (Dovecot answers with one): two commands where one identifies the client just as well. This connection
 * sends ID once per session, since every command counts against a mailbox check's budget.
 */
export class OneIdImapFlow extends ImapFlow {}
Object.defineProperty(OneIdImapFlow.prototype, 'run', {
  value: function run(this: ImapFlow & { idRequested?: unknown }, command: string, ...args: unknown[]) {
    if (typeof command === 'string' && command.toUpperCase() === 'ID') {
      if (idSent.has(this)) return Promise.resolve(this.idRequested);
      idSent.add(this);
    }
    return baseRun.call(this, command, ...args);
  },
  writable: true,
  configurable: true,
});

export class ImapSession implements ImapSessionPort {
  #client: ImapFlow | undefined;
  #ready: ImapFlow | undefined;

  constructor(
    private readonly mailbox: MailboxConfig,
    private readonly deadline: Deadline,
    private readonly logger: Logger,
    private readonly options: ImapSessionOptions = {},
  ) {}

  client(): ImapFlow | undefined {
    return this.#ready;
  }

  async open(accessToken: string): Promise<ImapFlow> {
    // One IMAP connection per mailbox run (docs/architecture.md): a second open is a bug in the caller.
    if (this.#client) throw new Error('ImapSession.open called twice in one mailbox run');
    const { host, port } = splitHost(this.mailbox.cloud.imapHost, this.mailbox.cloud.imapPort);
    const remaining = Math.max(1, this.deadline.remainingMs());
    // imapflow's own timers end just after the run's deadline, so the deadline (one result) wins the race.
    const bound = remaining + 500;
    const client = new OneIdImapFlow({
      host,
      port,
      secure: true,
      auth: { user: this.mailbox.address, accessToken },
      logger: imapflowLogger(this.logger, this.mailbox.id),
      // docs/exchange-online.md "SASL XOAUTH2": some tenants advertise a buggy IMAP4rev2 after login.
      disableIMAP4rev2: true,
      // The monitor issues a few commands and leaves: IDLE and compression only add round trips.
      disableAutoIdle: true,
      disableCompression: true,
      connectionTimeout: bound,
      greetingTimeout: Math.min(GREETING_MS, bound),
      socketTimeout: bound,
      clientInfo: { name: 'mailbox-health' },
      ...(this.options.ca ? { tls: { ca: this.options.ca } } : {}),
    });
    // imapflow emits 'error' for socket failures; without a listener Node would crash the process.
    client.on('error', (err: unknown) => {
      const code = (err as { code?: unknown }).code;
      this.logger.debug('imap: connection error', {
        mailbox: this.mailbox.id,
        ...(typeof code === 'string' ? { code } : {}),
      });
    });
    this.#client = client;
    await raceDeadline(client.connect(), this.deadline.signal);
    this.#ready = client;
    return client;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#ready = undefined;
    if (!client) return;
    try {
      if (client.usable && !this.deadline.signal.aborted) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          client.logout().catch(() => undefined),
          new Promise<void>((r) => (timer = setTimeout(r, LOGOUT_MS))),
        ]);
        clearTimeout(timer);
      }
    } finally {
      // close() destroys the socket whatever state it is in: nothing outlives the run.
      client.close();
    }
  }
}
