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

function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  let last = 0;
  let ended = false;
  let pending = 0;
  const flushEnd = () => {
    if (ended && pending === 0) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    if (delayMs <= 0) {
      to.write(chunk);
      return;
    }
    const at = Math.max(Date.now() + delayMs, last);
    last = at;
    pending++;
    setTimeout(() => {
      pending--;
      if (!to.destroyed) to.write(chunk);
      flushEnd();
    }, at - Date.now());
  });
  from.on('end', () => {
    ended = true;
    flushEnd();
  });
}
