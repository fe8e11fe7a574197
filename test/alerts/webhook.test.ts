import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookChannel } from '../../src/shared/alerts/channels/webhook.js';
import type { Notification } from '../../src/shared/alerts/channels/types.js';
import { renderAlert, type AlertInput } from '../../src/shared/report/alert.js';

const input: AlertInput = {
  mailboxId: 'servicedesk',
  address: 'servicedesk@contoso.com',
  at: new Date('2026-11-27T10:05:00Z'),
  changes: [
    {
      action: 'trigger',
      since: '2026-11-27T10:00:00.000Z',
      result: {
        check: 'junk',
        mailbox: 'servicedesk',
        status: 'WARN',
        summary: '25 new messages in Junk Email, e.g. "<b>[win](https://evil.example)</b>"',
        metrics: { junkMessages: 25 },
        durationMs: 3,
        at: '2026-11-27T10:05:00.000Z',
      },
    },
  ],
};
const notification: Notification = { input, rendered: renderAlert(input), recipients: [] };

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A receiver answering with the given statuses in turn (the last repeats); records the bodies. */
async function receiver(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.statusCode = statuses[Math.min(bodies.length - 1, statuses.length - 1)]!;
      res.end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/workflows/abc?sig=SECRET-SIG`, bodies };
}

describe('webhook channel', () => {
  it('retries on 500 then delivers a Teams Adaptive Card envelope with escaped text', async () => {
    const r = await receiver([500, 503, 200]);
    const ch = createWebhookChannel({ kind: 'teams', url: r.url, backoffMs: 5 });
    expect(ch.validate()).toEqual([]);
    await ch.send(notification);
    expect(r.bodies.length).toBe(3);
    const body = r.bodies[2] as {
      type: string;
      attachments: Array<{ contentType: string; content: { version: string } }>;
    };
    expect(body.type).toBe('message');
    expect(body.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0]!.content.version).toBe('1.4');
    const text = JSON.stringify(body);
    expect(text).not.toContain('[win](https://evil');
    expect(text).toContain('\\\\[win\\\\]');
  });

  it('gives up after N attempts without revealing the URL', async () => {
    const r = await receiver([500]);
    const ch = createWebhookChannel({ kind: 'json', url: r.url, attempts: 3, backoffMs: 5 });
    const err = await ch.send(notification).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/gave up after 3 attempts \(last: HTTP 500\)/);
    expect(err?.message).not.toContain('SECRET-SIG');
    expect(r.bodies.length).toBe(3);
    expect((r.bodies[0] as { text: string }).text).toContain('&lt;b&gt;');
  });

  it('does not retry a 400 and refuses plain http to a remote host', async () => {
    const r = await receiver([400, 200]);
    const ch = createWebhookChannel({ kind: 'json', url: r.url, backoffMs: 5 });
    await expect(ch.send(notification)).rejects.toThrow(/HTTP 400/);
    expect(r.bodies.length).toBe(1);
    const remote = createWebhookChannel({ kind: 'teams', url: 'http://hooks.example.com/x?sig=S' });
    expect(remote.validate()).toEqual(['webhook (teams): the URL must use https']);
  });
});
