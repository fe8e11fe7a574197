/**
 * Telemetry against a local HTTPS ingestion endpoint presenting the lab's server certificate (trusted through
 * NODE_EXTRA_CA_CERTS set by the lab wrapper): the availability items arrive, with the bearer token of the
 * configured credential, and without the checks' summaries.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/shared/contracts.js';
import { createTelemetry } from '../../src/shared/telemetry/app-insights.js';
import { labEndpoints } from '../helpers/lab.js';

interface Received {
  path: string;
  authorization?: string;
  items: Array<{ name: string; data: { baseType: string; baseData: Record<string, unknown> } }>;
}

let server: Server;
let port = 0;
const received: Received[] = [];

beforeAll(async () => {
  // The SDK turns telemetry about itself (statsbeat) on by default; it would call out to Microsoft.
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL = 'true';
  const tls = dirname(labEndpoints().caPath);
  server = createServer(
    { cert: readFileSync(join(tls, 'server.pem')), key: readFileSync(join(tls, 'server.key')) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const text = body.toString('utf8').trim();
        const items = text.startsWith('[')
          ? JSON.parse(text)
          : text
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l));
        received.push({ path: req.url ?? '', authorization: req.headers.authorization, items });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const result = (check: CheckResult['check'], status: CheckResult['status'], metrics = {}): CheckResult => ({
  check,
  mailbox: 'servicedesk',
  status,
  summary: 'oldest "SECRET-SUBJECT-LINE" waits 95 min',
  metrics,
  durationMs: 42,
  at: '2026-11-27T10:00:00.000Z',
  remediation: { cause: 'c', fix: 'f', setupStep: 'imap-enabled' },
});

describe('telemetry', () => {
  it('is a no-op without a connection string', () => {
    expect(createTelemetry({}).enabled).toBe(false);
  });

  it('sends one availability item per mailbox and check, authenticated with the Entra credential', async () => {
    const scopes: string[] = [];
    const t = createTelemetry(
      {
        appInsightsConnectionString: `InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://localhost:${port}/`,
        appInsightsAuthenticationString: 'Authorization=AAD;ClientId=99999999-8888-7777-6666-555555555555',
      },
      {
        credential: {
          async getToken(scope) {
            scopes.push(...(Array.isArray(scope) ? scope : [scope]));
            return { token: 'aad-token-for-test', expiresOnTimestamp: 4_102_444_800_000 };
          },
        },
      },
    );
    expect(t.enabled).toBe(true);
    t.recordResults([
      result('inbox', 'CRIT', { oldestWaitingSeconds: 5700 }),
      result('junk', 'WARN', { junkMessages: 25 }),
    ]);
    await t.flush();
    await t.shutdown();
    const items = received.flatMap((r) => r.items);
    const availability = items.filter((i) => i.data.baseType === 'AvailabilityData');
    expect(availability.map((a) => [a.data.baseData.name, a.data.baseData.success]).sort()).toEqual([
      ['servicedesk/inbox', false],
      ['servicedesk/junk', true],
    ]);
    const inbox = availability.find((a) => a.data.baseData.name === 'servicedesk/inbox')!;
    expect(inbox.data.baseData.measurements).toMatchObject({ oldestWaitingSeconds: 5700, durationMs: 42 });
    expect(inbox.data.baseData.properties).toMatchObject({
      mailbox: 'servicedesk',
      setupStep: 'imap-enabled',
    });
    expect(received.every((r) => r.authorization === 'Bearer aad-token-for-test')).toBe(true);
    expect(scopes.some((s) => s.includes('monitor.azure.com'))).toBe(true);
    expect(JSON.stringify(received)).not.toContain('SECRET-SUBJECT-LINE');
  });
});
