import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkFailure, RetryingNetworkClient, type AttemptLog } from '../../src/shared/auth/index.js';

// A scripted HTTP server: each path pops its next answer. Behaviour under test is our retry loop, not TLS.
type Answer = { status: number; headers?: Record<string, string>; body?: string };
const script = new Map<string, Answer[]>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const next = script.get(path)?.shift() ?? { status: 404, body: '{}' };
    res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
    res.end(next.body ?? '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function client(remainingMs = 60_000) {
  const sleeps: number[] = [];
  const c = new RetryingNetworkClient(
    { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 10_000, reserveMs: 1000 },
    async (ms) => {
      sleeps.push(ms);
    },
    () => Date.parse('2026-11-27T10:00:00Z'),
  );
  const log: AttemptLog = { requests: 0, tokenRequests: 0, retries: 0 };
  c.begin({ log, remainingMs: () => remainingMs });
  return { c, log, sleeps };
}

describe('RetryingNetworkClient', () => {
  it('retries a 429 after Retry-After and returns the success', async () => {
    script.set('/t1/oauth2/v2.0/token', [
      { status: 429, headers: { 'retry-after': '2' }, body: '{"error":"too_many"}' },
      { status: 200, body: '{"access_token":"x"}' },
    ]);
    const { c, log, sleeps } = client();
    const res = await c.sendPostRequestAsync<{ access_token: string }>(
      `${base}/t1/oauth2/v2.0/token?client-request-id=1`,
      {
        body: 'grant_type=password',
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.access_token).toBe('x');
    expect(sleeps).toEqual([2000]);
    expect(log).toMatchObject({ requests: 2, tokenRequests: 2, retries: 1 });
  });

  it('gives up on a persisting 503 after the bounded retries and records it', async () => {
    script.set(
      '/t2/oauth2/v2.0/token',
      Array.from({ length: 6 }, () => ({ status: 503, body: '<html>down</html>' })),
    );
    const { c, log, sleeps } = client();
    await expect(c.sendPostRequestAsync(`${base}/t2/oauth2/v2.0/token`, {})).rejects.toBeInstanceOf(
      NetworkFailure,
    );
    expect(sleeps).toEqual([100, 200, 400]);
    expect(log.retries).toBe(3);
    expect(log.lastTransient).toEqual({ status: 503 });
  });

  it('does not retry when the deadline leaves no room', async () => {
    script.set('/t3/oauth2/v2.0/token', [{ status: 500 }, { status: 200 }]);
    const { c, log } = client(1050);
    await expect(c.sendPostRequestAsync(`${base}/t3/oauth2/v2.0/token`, {})).rejects.toThrow(/HTTP 500/);
    expect(log.retries).toBe(0);
  });

  it('retries temporarily_unavailable even on a 400', async () => {
    script.set('/t4/oauth2/v2.0/token', [
      { status: 400, body: '{"error":"temporarily_unavailable","error_description":"AADSTS90006: later"}' },
      { status: 200, body: '{}' },
    ]);
    const { c, log } = client();
    expect((await c.sendPostRequestAsync(`${base}/t4/oauth2/v2.0/token`, {})).status).toBe(200);
    expect(log.retries).toBe(1);
  });

  it('passes a configuration error straight through, remembering its AADSTS code', async () => {
    script.set('/t5/v2.0/.well-known/openid-configuration', [
      {
        status: 400,
        body: JSON.stringify({
          error: 'invalid_tenant',
          error_description: 'AADSTS90002: Tenant t5 not found.\r\nTrace ID: 9',
        }),
      },
    ]);
    const { c, log, sleeps } = client();
    const res = await c.sendGetRequestAsync(`${base}/t5/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(400);
    expect(sleeps).toEqual([]);
    expect(log.lastError).toEqual({
      status: 400,
      aadsts: 90002,
      description: 'AADSTS90002: Tenant t5 not found.',
    });
    expect(log.tokenRequests).toBe(0);
  });

  it('records a refused connection as a network failure', async () => {
    const { c, log } = client();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(c.sendGetRequestAsync(`http://127.0.0.1:${port}/x`)).rejects.toThrow(/network error/);
    expect(log.lastTransient?.network).toBe('ECONNREFUSED');
  });
});
