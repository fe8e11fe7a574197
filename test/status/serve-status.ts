/**
 * Serves the status function's real handler over loopback HTTP, the way the Functions host routes
 * `status/{mailbox?}`: so a browser loads the page with the handler's own headers (the CSP among them) and its
 * links resolve against a real origin.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import azureFunctions from '@azure/functions';
import { makeStatus } from '../../src/functions/status.js';
import type { Clock } from '../../src/shared/clock.js';
import type { Config } from '../../src/shared/config/load.js';
import type { StateStore } from '../../src/shared/state/ports.js';
import { invocation } from '../../lab/demo-harness.js';

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

export async function serveStatus(config: Config, store: StateStore, clock: Clock): Promise<StatusServer> {
  const handler = makeStatus(async () => ({ config, store, clock }));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/api\/status(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const mailbox = m[1] ? decodeURIComponent(m[1]) : undefined;
    const request = new azureFunctions.HttpRequest({
      method: 'GET',
      url: url.toString(),
      ...(mailbox ? { params: { mailbox } } : {}),
    });
    handler(request, invocation('status')).then(
      (out) => {
        res.writeHead(out.status ?? 200, out.headers as Record<string, string>);
        res.end(out.body as string);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
