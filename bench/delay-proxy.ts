/**
 * A TCP proxy that adds a fixed one-way delay to every byte in both directions, so the lab on loopback answers
 * like a server tens of milliseconds away (Exchange Online and Entra ID seen from an Azure region). TLS passes
 * through untouched: the client still verifies the lab's certificate for `localhost` / `127.0.0.1`. Order is kept:
 * a chunk is forwarded at its arrival time plus the delay, never before an earlier chunk of the same direction.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<port> → target, adding `oneWayMs` each way (a round trip costs 2 × oneWayMs more). */
export async function startDelayProxy(
  target: { host: string; port: number },
  oneWayMs: number,
): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    pipeDelayed(client, upstream, oneWayMs);
    pipeDelayed(upstream, client, oneWayMs);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  // Many mailboxes connect at once: keep the accept queue long.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('delay proxy: no port');
  return {
    port: address.port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * One queue and one timer per direction: chunks leave strictly in arrival order. (A timer per chunk is not enough:
 * timers of different durations live in different lists, and one scheduled a moment later with a shorter wait can
 * fire first — a reordered TLS record then fails as "bad record mac".)
 */
function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  const queue: Array<{ at: number; chunk: Buffer }> = [];
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const drain = () => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      if (!to.destroyed) to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(drain, Math.max(0, queue[0]!.at - Date.now()));
    else if (ended) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    if (delayMs <= 0) {
      to.write(chunk);
      return;
    }
    queue.push({ at: Date.now() + delayMs, chunk });
    timer ??= setTimeout(drain, delayMs);
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0 && timer === undefined) to.end();
  });
}
