/**
 * A TLS-terminating proxy in front of the lab's Dovecot that counts, at the server side of the connection, every
 * IMAP command a client sends (by name: `CAPABILITY`, `AUTHENTICATE`, `UID FETCH` …), the longest command line in
 * octets, the plaintext IMAP bytes each way, and how long the server took to answer each command (from the
 * command's last octet to its tagged answer: the server's work, apart from the client's). The client verifies the lab's `localhost` certificate as it
 * would Dovecot's (the proxy presents the same one); the proxy verifies Dovecot against the lab CA. Nothing is
 * changed in either direction.
 *
 * Parsing the client stream (RFC 3501 §2.2, §4.3, §7.5): a command is `tag SP name …CRLF`; a line ending in a
 * literal `{n}` / `{n+}` continues after n octets (not a new command); a line of a single token (`DONE` ending
 * IDLE, a SASL continuation answer) is not a command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect, createServer, type TLSSocket } from 'node:tls';

export interface ImapCounts {
  /** Command names in arrival order, over every connection since the last reset. */
  commands: string[];
  /** Client → server and server → client plaintext octets. */
  up: number;
  down: number;
  /** The longest command (its first line through its last CRLF, literals included), in octets. */
  longestCommand: number;
  connections: number;
  /** Per command name: milliseconds from the command's last octet to the server's tagged answer, summed. */
  serverMs: Map<string, number>;
}

export interface CountingProxy {
  port: number;
  counts(): ImapCounts;
  /** Starts a new count (open connections keep being counted into the new one). */
  reset(): void;
  close(): Promise<void>;
}

/** `{"CAPABILITY": 1, "UID FETCH": 3, …}` in order of first use. */
export function byName(commands: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of commands) m.set(c, (m.get(c) ?? 0) + 1);
  return m;
}

export function formatByName(commands: readonly string[]): string {
  return [...byName(commands)].map(([c, n]) => (n > 1 ? `${c} ×${n}` : c)).join(', ');
}

/** `EXAMINE 1520 ms, UID SEARCH 800 ms, …`: the server's answer time per command name, largest first. */
export function formatServerMs(ms: ReadonlyMap<string, number>): string {
  return [...ms]
    .sort((a, b) => b[1] - a[1])
    .map(([c, t]) => `${c} ${t >= 100 ? t.toFixed(0) : t.toFixed(1)} ms`)
    .join(', ');
}

/** Counts the commands in one client stream; fed chunk by chunk. */
class CommandCounter {
  #buf: Buffer = Buffer.alloc(0);
  /** Octets of literal still to pass. */
  #skip = 0;
  /** The current command goes on after a literal. */
  #continuing = false;
  #length = 0;

  #tag = '';
  #name = '';

  constructor(
    private readonly out: () => ImapCounts,
    private readonly timer: AnswerTimer,
  ) {}

  feed(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, this.#buf.length);
        this.#skip -= n;
        this.#length += n;
        this.#buf = this.#buf.subarray(n);
        if (this.#skip > 0) return;
      }
      const eol = this.#buf.indexOf('\r\n');
      if (eol < 0) return;
      const line = this.#buf.subarray(0, eol).toString('latin1');
      this.#buf = this.#buf.subarray(eol + 2);
      if (!this.#continuing) {
        const words = line.split(' ');
        if (words.length < 2) continue; // DONE, a SASL answer: not a command
        const name = words[1]!.toUpperCase();
        this.#tag = words[0]!;
        this.#name = name === 'UID' && words[2] ? `UID ${words[2].toUpperCase()}` : name;
        this.out().commands.push(this.#name);
        this.#length = 0;
      }
      this.#length += eol + 2;
      const literal = /\{(\d+)\+?\}$/.exec(line);
      if (literal) {
        this.#skip = Number(literal[1]);
        this.#continuing = true;
      } else {
        this.#continuing = false;
        this.out().longestCommand = Math.max(this.out().longestCommand, this.#length);
        this.timer.open.set(this.#tag, { name: this.#name, at: performance.now() });
      }
    }
  }
}

const fresh = (): ImapCounts => ({
  commands: [],
  up: 0,
  down: 0,
  longestCommand: 0,
  connections: 0,
  serverMs: new Map(),
});

/**
 * Times the server's answers: a command is open from its last octet until a server line starts with its tag
 * (`<tag> OK|NO|BAD`). Server literals (message bodies) are skipped the same way as the client's.
 */
class AnswerTimer {
  readonly open = new Map<string, { name: string; at: number }>();
  #buf: Buffer = Buffer.alloc(0);
  #skip = 0;

  constructor(private readonly out: () => ImapCounts) {}

  feed(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, this.#buf.length);
        this.#skip -= n;
        this.#buf = this.#buf.subarray(n);
        if (this.#skip > 0) return;
      }
      const eol = this.#buf.indexOf('\r\n');
      if (eol < 0) return;
      const line = this.#buf.subarray(0, eol).toString('latin1');
      this.#buf = this.#buf.subarray(eol + 2);
      const literal = /\{(\d+)\}$/.exec(line);
      if (literal) this.#skip = Number(literal[1]);
      const tag = line.slice(0, line.indexOf(' '));
      const pending = this.open.get(tag);
      if (pending && /^\S+ (OK|NO|BAD)\b/.test(line)) {
        this.open.delete(tag);
        const m = this.out().serverMs;
        m.set(pending.name, (m.get(pending.name) ?? 0) + (performance.now() - pending.at));
      }
    }
  }
}

/** Listens on 127.0.0.1 with the lab's server certificate and forwards to the lab's Dovecot. */
export async function startCountingProxy(
  labDir: string,
  target: { host: string; port: number },
): Promise<CountingProxy> {
  const tls = (f: string) => readFileSync(join(labDir, 'tls', f));
  const ca = tls('ca.pem');
  let counts = fresh();
  const sockets = new Set<TLSSocket>();
  const server = createServer({ key: tls('server.key'), cert: tls('server.pem') }, (client) => {
    counts.connections++;
    const timer = new AnswerTimer(() => counts);
    const counter = new CommandCounter(() => counts, timer);
    const upstream = tlsConnect({ host: target.host, port: target.port, ca, servername: 'localhost' });
    sockets.add(client).add(upstream);
    // Forward each chunk at once: with Nagle's algorithm a proxy holds a short trailing segment (a tagged OK after
    // a FETCH reply) until the previous one is acknowledged, and the client's delayed ACK makes that ≈ 40 ms —
    // time of the proxy's, which would be counted as the client's.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (d: Buffer) => {
      counts.up += d.length;
      counter.feed(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      counts.down += d.length;
      timer.feed(d);
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('counting proxy: no port');
  return {
    port: address.port,
    counts: () => ({ ...counts, commands: [...counts.commands], serverMs: new Map(counts.serverMs) }),
    reset: () => {
      counts = fresh();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
