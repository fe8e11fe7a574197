/**
 * An in-memory IMAP server for the demo on machines without Dovecot (`npm run demo -- --imap memory`): one seeded mailbox served
 * over implicit TLS with AUTHENTICATE XOAUTH2 (SASL-IR) checked by a caller-supplied `validateToken`, the way
 * Exchange Online is reached (outlook.office365.com:993, XOAUTH2 only).
 *
 * Built on npm `hoodiecrow-imap` (in-memory, scriptable; serves imapflow's LIST/STATUS/EXAMINE/UID SEARCH/UID FETCH
 * — docs/exchange-online.md). What we change around it, and why:
 * - TLS only (`secureConnection`): the monitor never talks to a mail server in clear text, not even in the demo.
 * - Its XOAUTH2 plugin compares tokens with a fixed table and answers Gmail's JSON challenge; ours asks
 *   `validateToken(user, token)` (the lab's Entra emulator) and answers like Exchange: `NO AUTHENTICATE failed.`
 * - LOGIN and AUTHENTICATE PLAIN are refused: Exchange's OAuth2 path is the only one the checks may take.
 * - SPECIAL-USE is off by default because Exchange Online (reportedly) does not advertise it: clients must find
 *   `Junk Email` / `Sent Items` by name, as they must in production. `specialUse: true` tests the other path.
 * - Every command name (never its arguments: AUTHENTICATE carries the token) is logged, so tests can prove the
 *   monitor only EXAMINEs and never STOREs, and connections are counted (one IMAP connection per mailbox).
 *
 * Not a substitute for Dovecot in tests of the checks; it exists so `npm run demo` works with only Node and npm.
 */
import { createRequire } from 'node:module';
import type { AddressInfo, Server, Socket } from 'node:net';

/** The folders every seeded mailbox has (Exchange Online's English names). */
export const MEMORY_IMAP_FOLDERS = ['INBOX', 'Junk Email', 'Sent Items', 'Drafts', 'Deleted Items'] as const;

const SPECIAL_USE: Record<string, string> = {
  'Junk Email': '\\Junk',
  'Sent Items': '\\Sent',
  Drafts: '\\Drafts',
  'Deleted Items': '\\Trash',
};

export interface MemoryImapMessage {
  /** The raw RFC 5322 message (CRLF line ends). Buffers keep 8-bit bytes as they are. */
  raw: string | Buffer;
  /** IMAP flags, e.g. `\\Seen`. */
  flags?: string[];
  /** INTERNALDATE (the arrival time the checks measure waiting age and weekly Junk arrivals by). */
  internalDate?: Date;
}

export interface MemoryImapOptions {
  /** The one mailbox served (its address is the XOAUTH2 `user=`). Other users are refused. */
  mailbox: string;
  /** PEM key and certificate (the lab CA's server certificate for localhost / 127.0.0.1). */
  tls: { key: string | Buffer; cert: string | Buffer };
  /** Decides whether `token` grants IMAP access to `user`; the token never leaves this call. */
  validateToken: (user: string, token: string) => boolean | Promise<boolean>;
  /** Advertise SPECIAL-USE (RFC 6154). Default false, like Exchange Online. */
  specialUse?: boolean;
  /** Seed messages per folder (folder names from MEMORY_IMAP_FOLDERS; others are created). */
  seed?: Record<string, MemoryImapMessage[]>;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface MemoryImapStats {
  connections: number;
  /** Most connections open at the same time. */
  maxConcurrent: number;
  authenticated: number;
  authFailures: number;
  /** Command names in arrival order (`EXAMINE`, `UID FETCH` …), never their arguments. */
  commands: string[];
}

export interface StoredMessageView {
  uid: number;
  flags: string[];
}

export interface MemoryImapServer {
  readonly host: string;
  readonly port: number;
  /** Appends messages to a folder (as a delivery would: EXISTS is announced to selected sessions). */
  append(folder: string, messages: MemoryImapMessage[]): void;
  /** UID and flags of every message in a folder, for tests that prove nothing was changed. */
  messages(folder: string): StoredMessageView[];
  stats(): MemoryImapStats;
  close(): Promise<void>;
}

// hoodiecrow ships no types: the little of its surface we use, typed here.
interface HcParsed {
  tag: string;
  command: string;
  attributes?: Array<{ type: string; value?: unknown } | undefined>;
}
interface HcConnection {
  state: string;
  send(response: unknown, description: string, parsed: HcParsed, data: unknown): void;
  scheduleCommand(data: string): void;
  socket: Socket | null;
}
type HcHandler = (conn: HcConnection, parsed: HcParsed, data: unknown, done: () => void) => void;
interface HcMessage {
  uid: number;
  flags: string[];
}
interface HcServer {
  server: Server;
  connectionHandlers: Array<(conn: HcConnection) => void>;
  listen(port: number, host: string, cb: () => void): void;
  close(cb: () => void): void;
  setCommandHandler(command: string, handler: HcHandler): void;
  registerCapability(name: string, when?: (conn: HcConnection) => boolean): void;
  appendMessage(folder: string, flags: string[], internaldate: string, raw: string): unknown;
  getMailbox(path: string): { messages: HcMessage[] } | undefined;
  createMailbox(path: string): void;
}
type HcFactory = (options: Record<string, unknown>) => HcServer;

const require = createRequire(import.meta.url);
const hoodiecrow = require('hoodiecrow-imap') as HcFactory;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** IMAP date-time in UTC; hoodiecrow's own formatter uses the host's local zone. */
export function imapDateTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  );
}

/**
 * hoodiecrow reads and writes the socket as "binary" (latin1) strings: storing the raw message as latin1 keeps
 * every byte (UTF-8 headers included) and makes RFC822.SIZE the byte size.
 */
function toBinaryString(raw: string | Buffer): string {
  return (typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw).toString('latin1');
}

function text(value: string) {
  return [{ type: 'TEXT', value }];
}

/** `user=<mailbox>\x01auth=Bearer <token>\x01\x01` (SASL XOAUTH2), or undefined when malformed. */
export function parseXoauth2(initialResponse: string): { user: string; token: string } | undefined {
  const parts = Buffer.from(initialResponse, 'base64').toString('utf8').split('\x01');
  if (parts.length !== 4 || parts[2] !== '' || parts[3] !== '') return undefined;
  const user = /^user=(.+)$/.exec(parts[0] ?? '')?.[1];
  const token = /^auth=Bearer (.+)$/.exec(parts[1] ?? '')?.[1];
  return user && token ? { user, token } : undefined;
}

export async function startMemoryImap(options: MemoryImapOptions): Promise<MemoryImapServer> {
  const host = options.host ?? '127.0.0.1';
  const specialUse = options.specialUse ?? false;
  const folders: Record<string, unknown> = {};
  for (const name of MEMORY_IMAP_FOLDERS) {
    if (name === 'INBOX') continue;
    const su = SPECIAL_USE[name];
    folders[name] = { messages: [], ...(specialUse && su ? { 'special-use': su } : {}) };
  }
  const plugins = ['SASL-IR', 'ID', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE', 'LITERALPLUS'];
  if (specialUse) plugins.push('SPECIAL-USE');
  const hc = hoodiecrow({
    secureConnection: true,
    credentials: { key: options.tls.key, cert: options.tls.cert },
    plugins,
    // No user table: the only way in is our XOAUTH2 handler below.
    users: {},
    storage: { INBOX: { messages: [] }, '': { separator: '/', folders } },
  });

  const stats: MemoryImapStats = {
    connections: 0,
    maxConcurrent: 0,
    authenticated: 0,
    authFailures: 0,
    commands: [],
  };
  let open = 0;
  const sockets = new Set<Socket>();
  hc.server.on('connection', (socket: Socket) => {
    // hoodiecrow hands TLS sockets to its handlers; the raw TCP socket is what we count and close.
    sockets.add(socket);
    stats.connections++;
    open++;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, open);
    socket.once('close', () => {
      open--;
      sockets.delete(socket);
    });
  });
  hc.connectionHandlers.push((conn) => {
    const schedule = conn.scheduleCommand.bind(conn);
    conn.scheduleCommand = (data: string) => {
      // Only the command name: `tag UID FETCH …` → `UID FETCH`; arguments may hold a token or mail data.
      const words = data.trim().split(/\s+/).slice(1, 3);
      const name = (words[0] ?? '').toUpperCase();
      stats.commands.push(
        name === 'UID' || name === 'AUTHENTICATE' ? `${name} ${(words[1] ?? '').toUpperCase()}` : name,
      );
      schedule(data);
    };
  });

  hc.registerCapability('AUTH=XOAUTH2', (conn) => conn.state === 'Not Authenticated');
  const refuse: HcHandler = (conn, parsed, data, done) => {
    conn.send(
      { tag: parsed.tag, command: 'NO', attributes: text('LOGIN failed.') },
      'LOGIN REFUSED',
      parsed,
      data,
    );
    done();
  };
  hc.setCommandHandler('LOGIN', refuse);
  hc.setCommandHandler('AUTHENTICATE PLAIN', refuse);
  hc.setCommandHandler('AUTHENTICATE XOAUTH2', (conn, parsed, data, done) => {
    const reply = (ok: boolean, why: string) => {
      if (ok) stats.authenticated++;
      else stats.authFailures++;
      if (ok) conn.state = 'Authenticated';
      // Exchange Online's exact replies (docs/exchange-online.md "SASL XOAUTH2").
      conn.send(
        {
          tag: parsed.tag,
          command: ok ? 'OK' : 'NO',
          attributes: text(ok ? 'AUTHENTICATE completed.' : 'AUTHENTICATE failed.'),
        },
        why,
        parsed,
        data,
      );
      done();
    };
    const arg = parsed.attributes?.[0];
    if (conn.state !== 'Not Authenticated') return reply(false, 'ALREADY AUTHENTICATED');
    // Without SASL-IR the client would wait for a continuation; imapflow always sends the initial response.
    if (parsed.attributes?.length !== 1 || !arg || typeof arg.value !== 'string')
      return reply(false, 'NO SASL-IR');
    const creds = parseXoauth2(arg.value);
    if (!creds || creds.user.toLowerCase() !== options.mailbox.toLowerCase()) return reply(false, 'BAD USER');
    Promise.resolve()
      .then(() => options.validateToken(creds.user, creds.token))
      .then(
        (ok) => reply(ok === true, ok === true ? 'XOAUTH2 OK' : 'XOAUTH2 REJECTED'),
        () => reply(false, 'XOAUTH2 VALIDATOR FAILED'),
      );
  });

  const append = (folder: string, messages: MemoryImapMessage[]) => {
    if (!hc.getMailbox(folder)) hc.createMailbox(folder);
    for (const m of messages) {
      hc.appendMessage(
        folder,
        [...(m.flags ?? [])],
        imapDateTime(m.internalDate ?? new Date()),
        toBinaryString(m.raw),
      );
    }
  };
  for (const [folder, messages] of Object.entries(options.seed ?? {})) append(folder, messages);

  await new Promise<void>((resolve, reject) => {
    hc.server.once('error', reject);
    hc.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (hc.server.address() as AddressInfo).port;

  return {
    host,
    port,
    append,
    messages(folder) {
      const box = hc.getMailbox(folder);
      if (!box) throw new Error(`no folder ${JSON.stringify(folder)}`);
      return box.messages.map((m) => ({ uid: m.uid, flags: [...m.flags] }));
    },
    stats: () => ({ ...stats, commands: [...stats.commands] }),
    close: () =>
      new Promise<void>((resolve) => {
        // server.close waits for open connections; a demo must not hang on a client that forgot LOGOUT.
        for (const s of sockets) s.destroy();
        hc.close(() => resolve());
      }),
  };
}
