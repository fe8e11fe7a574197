/**
 * The one IMAP connection of a mailbox run (ImapSessionPort), with imapflow: implicit TLS to cloud.imapHost,
 * XOAUTH2 (`auth: { user, accessToken }` — Exchange Online advertises XOAUTH2 only), every wait bounded by the
 * run's deadline, and a logger that passes on imapflow's warnings without their payloads (never a token).
 * imapflow itself (with iconv-lite and its charset tables, a third of the deployed code) is loaded on the first
 * open: a Function App instance woken by the dispatch timer or the status page never parses it.
 */
import type { ImapFlow } from 'imapflow';
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

/** Set while imapflow loads, so that a second open in the same run is still refused. */
const OPENING = Symbol('opening');

export class ImapSession implements ImapSessionPort {
  #client: ImapFlow | typeof OPENING | undefined;
  #ready: ImapFlow | undefined;
  #closed = false;

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
    this.#client = OPENING;
    const { OneIdImapFlow, imapflowLogger } = await raceDeadline(
      import('./imapflow-client.js'),
      this.deadline.signal,
    );
    // Closed while imapflow loaded (the run ended): no connection may outlive the run.
    if (this.#closed) throw new Error('ImapSession closed before it opened');
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
    this.#closed = true;
    if (!client || client === OPENING) return;
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
