/**
 * A bare TCP server on loopback for scripting what a mail server (or the path to it) does before any protocol:
 * `onSocket` runs for each connection — greet with a refusal and hang up, reset, stay silent. Closed, with every
 * socket it accepted, by the function it pushes onto `cleanup`.
 */
import { createServer, type Socket } from 'node:net';

export async function rawServer(
  onSocket: (s: Socket) => void,
  cleanup: Array<() => Promise<void>>,
): Promise<{ port: number; sockets: ReadonlySet<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as { port: number }).port, sockets };
}
