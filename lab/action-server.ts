/**
 * Serves the Function App's real `mailboxAction` handler on a local port, the way the Functions host would: each
 * node:http request becomes an `HttpRequest` (method, URL, headers, body), the handler's `HttpResponseInit` is
 * written back as it is (status, headers, body). Used by the demo (`npm run demo`, `--serve`) and by the browser
 * tests. Lab code: never deployed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import azureFunctions from '@azure/functions';
import { makeMailboxAction } from '../src/functions/mailbox-action.js';
import type { GetDeps } from '../src/functions/runtime.js';
import { invocation } from './demo-harness.js';

export const ACTION_PATH = '/api/mailboxAction';

export interface ActionServer {
  /** `http://127.0.0.1:PORT/api/mailboxAction`: the ACTION_LINK_BASE_URL of the deps. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 = a free one); `getDeps` is called per request as the host would. */
export async function startActionServer(getDeps: GetDeps, port = 0): Promise<ActionServer> {
  const handler = makeMailboxAction(getDeps);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== ACTION_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string') headers[k] = v;
        else if (Array.isArray(v)) headers[k] = v.join(', ');
      const body = Buffer.concat(chunks).toString('utf8');
      const request = new azureFunctions.HttpRequest({
        method: req.method ?? 'GET',
        url: `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`,
        headers,
        ...(body ? { body: { string: body } } : {}),
      });
      handler(request, invocation('mailboxAction'))
        .then((out) => {
          const h: Record<string, string> = {};
          const src = out.headers ?? {};
          if (src instanceof Headers) src.forEach((v, k) => (h[k] = v));
          else for (const [k, v] of Object.entries(src as Record<string, string>)) h[k] = v;
          res.writeHead(out.status ?? 200, h);
          res.end(typeof out.body === 'string' ? out.body : '');
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`handler failed: ${err instanceof Error ? err.message : 'error'}`);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}${ACTION_PATH}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
