/**
 * A tiny scripted IMAP server for the behaviour Dovecot cannot show: Exchange Online's exact
 * replies (`NO AUTHENTICATE failed.`, `BAD User is authenticated but not connected.`, `BAD Command Argument Error.
 * 11` on FETCH, `NO not connected`), a connection dropped in the middle of a FETCH literal, and a server that
 * accepts the connection and never says a word.
 *
 * It speaks just enough IMAP4rev1 for imapflow: greeting with CAPABILITY, CAPABILITY, ID, AUTHENTICATE XOAUTH2
 * with SASL-IR, NAMESPACE, LIST/LSUB, EXAMINE/SELECT, STATUS, (UID) SEARCH (ALL, LARGER, SINCE, UNSEEN, UID),
 * (UID) FETCH (UID, FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY.PEEK[]<partial>), NOOP, CLOSE, UNSELECT,
 * LOGOUT. Anything that would change a mailbox (STORE, COPY, MOVE, EXPUNGE, APPEND, CREATE, DELETE) is refused
 * and recorded, so tests can prove the monitor never sent one. Only command NAMES are recorded — AUTHENTICATE
 * carries the token.
 *
 * Over TLS with the lab certificate (pass `tls`); tests start it in-process on port 0.
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { commandArgs, envelopeOf, imapDate, searchMatches, sequenceSet } from './scripted-imap-protocol.js';

export interface ScriptedMessage {
  uid: number;
  /** RFC 5322 source with CRLF line ends. */
  raw: string;
  internalDate: Date;
  flags?: string[];
  /** RFC822.SIZE to report (and SEARCH LARGER to use) instead of the raw length: oversized without 25 MiB. */
  size?: number;
}

export interface ScriptedBehaviour {
  /** `silent`: accept the TCP/TLS connection and never answer. `close`: greet, then close the connection. */
  greeting?: 'ok' | 'silent' | 'close';
  /**
   * Exchange's replies to AUTHENTICATE. `ok` still checks user and token. `echo`: a misbehaving server that quotes
   * the whole command it received (the XOAUTH2 payload with the token) in its NO reply.
   */
  auth?: 'ok' | 'no-authenticate-failed' | 'bad-not-connected' | 'echo';
  /**
   * What EXAMINE/SELECT get: `no-unavailable` — `NO [UNAVAILABLE]` (RFC 5530), Exchange's answer while the mailbox
   * backend is unavailable; `bye` — an untagged BYE and the connection closed mid-session.
   */
  open?: 'ok' | 'no-unavailable' | 'bye';
  /**
   * Whether EXAMINE/SELECT name the first unread message in `OK [UNSEEN n]` (RFC 3501 §7.1: optional; Gmail omits
   * it, Exchange Online's documentation does not say). Default `omitted`, the case a client must cope with.
   */
  firstUnseen?: 'sent' | 'omitted';
  /** What a body FETCH (BODY.PEEK[]) gets. */
  fetchBody?: 'ok' | 'bad-argument-11' | 'no-not-connected' | 'drop' | 'silent';
}

export interface ScriptedImapOptions {
  /** PEM key and certificate (the lab's server certificate). Without it the server speaks plain TCP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  host?: string;
  /** The mailbox (XOAUTH2 `user=`) and the token that opens it. */
  user: string;
  token: string;
  /** Defaults to what Exchange Online advertises (no SPECIAL-USE, no CONDSTORE). */
  capabilities?: string[];
  /** Folder name → messages. INBOX and "Junk Email" exist by default. */
  folders?: Record<string, ScriptedMessage[]>;
  behaviour?: ScriptedBehaviour;
  /** SPECIAL-USE attributes sent in LIST (folder → `\\Junk` …); only meaningful with SPECIAL-USE advertised. */
  specialUse?: Record<string, string>;
  /** Default folders to leave out (e.g. "Junk Email", for a mailbox with no folder of a known name). */
  without?: string[];
}

export interface ScriptedImapStats {
  connections: number;
  open: number;
  maxConcurrent: number;
  /** Command names in arrival order (`UID FETCH`, `EXAMINE`, …), never their arguments. */
  commands: string[];
  /** Commands that would have changed a mailbox. */
  refused: string[];
  /** How many numbers each SEARCH answer listed, in order: a reply listing every unread message shows here. */
  searchHits: number[];
}

export interface ScriptedImapServer {
  host: string;
  port: number;
  stats: ScriptedImapStats;
  close(): Promise<void>;
}

export const EXCHANGE_CAPABILITIES = [
  'IMAP4',
  'IMAP4rev1',
  'AUTH=PLAIN',
  'AUTH=XOAUTH2',
  'SASL-IR',
  'UIDPLUS',
  'MOVE',
  'ID',
  'UNSELECT',
  'CHILDREN',
  'IDLE',
  'NAMESPACE',
  'LITERAL+',
];

const MODIFYING = new Set(['STORE', 'COPY', 'MOVE', 'EXPUNGE', 'APPEND', 'CREATE', 'DELETE', 'RENAME']);

export async function startScriptedImap(opts: ScriptedImapOptions): Promise<ScriptedImapServer> {
  const caps = opts.capabilities ?? EXCHANGE_CAPABILITIES;
  const behaviour = opts.behaviour ?? {};
  const folders = new Map<string, ScriptedMessage[]>([
    ['INBOX', []],
    ['Junk Email', []],
  ]);
  for (const name of opts.without ?? []) folders.delete(name);
  for (const [name, list] of Object.entries(opts.folders ?? {})) {
    folders.set(
      name,
      [...list].sort((a, b) => a.uid - b.uid),
    );
  }
  const stats: ScriptedImapStats = {
    connections: 0,
    open: 0,
    maxConcurrent: 0,
    commands: [],
    refused: [],
    searchHits: [],
  };
  const sockets = new Set<Socket>();

  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    stats.connections++;
    stats.open++;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, stats.open);
    socket.on('close', () => {
      sockets.delete(socket);
      stats.open--;
    });
    socket.on('error', () => undefined);
    if (behaviour.greeting === 'silent') return;
    const session = { authed: false, selected: undefined as string | undefined };
    const send = (line: string | Buffer) => {
      if (!socket.destroyed) socket.write(line);
    };
    send(`* OK [CAPABILITY ${caps.join(' ')}] Scripted Exchange-like IMAP4rev1 server ready.\r\n`);
    if (behaviour.greeting === 'close') {
      socket.end();
      return;
    }
    let buffer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        handle(line);
      }
    });

    const handle = (line: string) => {
      const m = /^(\S+) (UID )?(\S+)(?: (.*))?$/i.exec(line);
      if (!m) return send(`* BAD Invalid command\r\n`);
      const tag = m[1]!;
      const uid = !!m[2];
      const name = m[3]!.toUpperCase();
      const rest = m[4] ?? '';
      stats.commands.push((uid ? 'UID ' : '') + name);
      const ok = (text: string) => send(`${tag} OK ${text}\r\n`);
      if (MODIFYING.has(name)) {
        stats.refused.push((uid ? 'UID ' : '') + name);
        return send(`${tag} NO [CANNOT] The scripted server never changes a mailbox.\r\n`);
      }
      switch (name) {
        case 'CAPABILITY':
          send(`* CAPABILITY ${caps.join(' ')}\r\n`);
          return ok('CAPABILITY completed.');
        case 'ID':
          send(`* ID NIL\r\n`);
          return ok('ID completed.');
        case 'NOOP':
        case 'CHECK':
          return ok(`${name} completed.`);
        case 'LOGOUT':
          send(`* BYE Microsoft Exchange Server IMAP4 server signing off.\r\n`);
          ok('LOGOUT completed.');
          socket.end();
          return;
        case 'AUTHENTICATE':
          if (behaviour.auth === 'echo') return send(`${tag} NO Could not process: ${line}\r\n`);
          return authenticate(tag, rest);
      }
      if (!session.authed) return send(`${tag} BAD Command received in Invalid state.\r\n`);
      switch (name) {
        case 'NAMESPACE':
          send(`* NAMESPACE (("" "/")) NIL NIL\r\n`);
          return ok('NAMESPACE completed.');
        case 'LIST':
        case 'LSUB': {
          const [, pattern = ''] = commandArgs(rest);
          for (const f of folders.keys()) {
            if (pattern === '' || pattern === '*' || pattern === '%' || pattern === f) {
              const use = opts.specialUse?.[f];
              send(`* ${name} (\\HasNoChildren${use ? ' ' + use : ''}) "/" "${f}"\r\n`);
            }
          }
          if (pattern === '') send(`* ${name} (\\Noselect) "/" ""\r\n`);
          return ok(`${name} completed.`);
        }
        case 'STATUS': {
          const [folder = ''] = commandArgs(rest);
          const list = folders.get(folder);
          if (!list) return send(`${tag} NO The specified folder could not be found in the store.\r\n`);
          const unseen = list.filter((x) => !x.flags?.includes('\\Seen')).length;
          const next = (list.at(-1)?.uid ?? 0) + 1;
          send(
            `* STATUS "${folder}" (MESSAGES ${list.length} UIDNEXT ${next} UIDVALIDITY 1 UNSEEN ${unseen})\r\n`,
          );
          return ok('STATUS completed.');
        }
        case 'EXAMINE':
        case 'SELECT': {
          const [folder = ''] = commandArgs(rest);
          const list = folders.get(folder);
          if (!list) return send(`${tag} NO The specified folder could not be found in the store.\r\n`);
          if (behaviour.open === 'no-unavailable') {
            return send(
              `${tag} NO [UNAVAILABLE] The mailbox is temporarily unavailable. Try again later.\r\n`,
            );
          }
          if (behaviour.open === 'bye') {
            send(`* BYE Connection is closed. 14\r\n`);
            socket.end();
            return;
          }
          session.selected = folder;
          send(`* ${list.length} EXISTS\r\n* 0 RECENT\r\n`);
          send(`* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)\r\n`);
          send(`* OK [PERMANENTFLAGS ()] Permanent flags\r\n`);
          const firstUnseen = list.findIndex((x) => !x.flags?.includes('\\Seen')) + 1;
          if (behaviour.firstUnseen === 'sent' && firstUnseen > 0)
            send(`* OK [UNSEEN ${firstUnseen}] Is the first unseen message\r\n`);
          send(`* OK [UIDVALIDITY 1] UIDVALIDITY value\r\n`);
          send(`* OK [UIDNEXT ${(list.at(-1)?.uid ?? 0) + 1}] The next unique identifier value\r\n`);
          return ok(`[READ-ONLY] ${name} completed.`);
        }
        case 'CLOSE':
        case 'UNSELECT':
          session.selected = undefined;
          return ok(`${name} completed.`);
      }
      const list = session.selected !== undefined ? folders.get(session.selected) : undefined;
      if (!list) return send(`${tag} BAD Command received in Invalid state.\r\n`);
      if (name === 'SEARCH') {
        const maxUid = list.reduce((m, msg) => Math.max(m, msg.uid), 0);
        const hits = list
          .map((msg, i) => ({ msg, seq: i + 1 }))
          .filter(({ msg, seq }) => searchMatches(rest, msg, maxUid, seq, list.length));
        stats.searchHits.push(hits.length);
        send(`* SEARCH${hits.map((h) => ' ' + (uid ? h.msg.uid : h.seq)).join('')}\r\n`);
        return ok('SEARCH completed.');
      }
      if (name === 'FETCH') return fetch(tag, uid, rest, list);
      return send(`${tag} BAD Command Error. 12\r\n`);
    };

    const authenticate = (tag: string, rest: string) => {
      const [mech = '', initial = ''] = rest.split(' ');
      if (mech.toUpperCase() !== 'XOAUTH2' || !initial) {
        return send(`${tag} NO AUTHENTICATE failed.\r\n`);
      }
      if (behaviour.auth === 'no-authenticate-failed') return send(`${tag} NO AUTHENTICATE failed.\r\n`);
      if (behaviour.auth === 'bad-not-connected') {
        return send(`${tag} BAD User is authenticated but not connected.\r\n`);
      }
      const decoded = Buffer.from(initial, 'base64').toString('utf8');
      // SASL XOAUTH2: user=<mailbox>^Aauth=Bearer <token>^A^A
      // eslint-disable-next-line no-control-regex
      const parts = /^user=([^\x01]*)\x01auth=Bearer ([^\x01]*)\x01\x01$/.exec(decoded);
      if (!parts || parts[1] !== opts.user || parts[2] !== opts.token) {
        return send(`${tag} NO AUTHENTICATE failed.\r\n`);
      }
      session.authed = true;
      return send(`${tag} OK AUTHENTICATE completed.\r\n`);
    };

    const fetch = (tag: string, byUid: boolean, rest: string, list: ScriptedMessage[]) => {
      const sp = rest.indexOf(' ');
      const set = rest.slice(0, sp);
      const items = rest.slice(sp + 1).toUpperCase();
      const maxUid = list.at(-1)?.uid ?? 0;
      const wanted = sequenceSet(set, byUid ? maxUid : list.length);
      const body = /BODY(?:\.PEEK)?\[\](?:<(\d+)\.(\d+)>)?/.exec(items);
      if (body && body[0].startsWith('BODY[') && !body[0].startsWith('BODY.PEEK')) {
        // A non-PEEK body fetch would set \Seen on a real server: record it like a modifying command.
        stats.refused.push('FETCH BODY[]');
      }
      if (body && behaviour.fetchBody && behaviour.fetchBody !== 'ok') {
        const first = list.find((x, i) => wanted(byUid ? x.uid : i + 1));
        switch (behaviour.fetchBody) {
          case 'bad-argument-11':
            return send(`${tag} BAD Command Argument Error. 11\r\n`);
          case 'no-not-connected':
            return send(`${tag} NO not connected\r\n`);
          case 'silent':
            return;
          case 'drop': {
            const seq = first ? list.indexOf(first) + 1 : 1;
            send(`* ${seq} FETCH (UID ${first?.uid ?? 1} BODY[]<0> {${first?.raw.length ?? 100}}\r\n`);
            send((first?.raw ?? '').slice(0, 10));
            socket.destroy();
            return;
          }
        }
      }
      list.forEach((msg, i) => {
        const seq = i + 1;
        if (!wanted(byUid ? msg.uid : seq)) return;
        const out: string[] = [`UID ${msg.uid}`];
        if (items.includes('FLAGS')) out.push(`FLAGS (${(msg.flags ?? []).join(' ')})`);
        if (items.includes('INTERNALDATE')) out.push(`INTERNALDATE "${imapDate(msg.internalDate)}"`);
        if (items.includes('RFC822.SIZE'))
          out.push(`RFC822.SIZE ${msg.size ?? Buffer.byteLength(msg.raw, 'latin1')}`);
        if (items.includes('ENVELOPE')) out.push(`ENVELOPE ${envelopeOf(msg.raw, msg.internalDate)}`);
        let literal = '';
        if (body) {
          const start = Number(body[1] ?? 0);
          const len = body[2] !== undefined ? Number(body[2]) : Infinity;
          literal = msg.raw.slice(start, start + len);
          out.push(
            `BODY[]${body[1] !== undefined ? `<${start}>` : ''} {${Buffer.byteLength(literal, 'latin1')}}`,
          );
        }
        send(Buffer.from(`* ${seq} FETCH (${out.join(' ')}${body ? '\r\n' + literal : ''})\r\n`, 'latin1'));
      });
      return send(`${tag} OK FETCH completed.\r\n`);
    };
  };

  const server: Server = opts.tls
    ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, onConnection)
    : createTcpServer(onConnection);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
