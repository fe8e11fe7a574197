/**
 * The email channel against the lab's SMTP server (STARTTLS + XOAUTH2 checked by the Entra emulator): the alert
 * arrives from the sender mailbox to every recipient, hostile mailbox text arrives inert in the HTML part, and an
 * Exchange refusal surfaces with its reply but without the token.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEmailChannel } from '../../src/shared/alerts/channels/email.js';
import type { TokenSource } from '../../src/shared/auth/ports.js';
import { renderAlert, type AlertInput } from '../../src/shared/report/alert.js';
import { lab } from '../helpers/lab.js';

const tokens = (accessToken: string): TokenSource => ({
  acquire: async () => ({
    ok: true,
    grant: {
      accessToken,
      expiresOn: new Date(4_102_444_800_000),
      fromCache: false,
      claims: {},
      retries: 0,
      kind: 'delegated',
    },
  }),
});

/** Quoted-printable soft line breaks and escapes undone, so assertions see the part's real text. */
const decodeQp = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

describe('email channel against the lab SMTP server', () => {
  const l = lab();
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const sender = `${l.unique('alerts')}@contoso.example`;
  let token = '';
  const channel = () =>
    createEmailChannel({
      sender: {
        id: 'alerts',
        address: sender,
        cloud: {
          authorityHost: l.authorityHost,
          resourceHost: 'outlook.office365.com',
          imapHost: 'localhost',
          imapPort: 993,
          smtpHost: l.endpoints.smtp!.host,
          smtpPort: l.endpoints.smtp!.port,
        },
      },
      tokens: tokens(token),
      timeoutMs: 10_000,
    });
  const input: AlertInput = {
    mailboxId: 'servicedesk',
    address: 'servicedesk@contoso.example',
    at: new Date('2026-11-27T10:05:00Z'),
    changes: [
      {
        action: 'trigger',
        since: '2026-11-27T10:00:00.000Z',
        result: {
          check: 'inbox',
          mailbox: 'servicedesk',
          status: 'CRIT',
          summary: 'oldest waiting "<script>alert(1)</script>" is 95 min old',
          metrics: { oldestWaitingSeconds: 5700 },
          durationMs: 3,
          at: '2026-11-27T10:05:00.000Z',
        },
      },
    ],
  };

  beforeAll(async () => {
    await l.addTenant(tenantId);
    await l.addApp(tenantId, { clientId, publicClient: true });
    token = (await l.mintToken({ tenantId, clientId, upn: sender, scopes: ['SMTP.Send'] })).access_token;
  });

  it('delivers the alert from the sender mailbox, hostile text inert', async () => {
    const ch = channel();
    expect(ch.validate()).toEqual([]);
    await ch.send({
      input,
      rendered: renderAlert(input),
      recipients: ['admin@contoso.example', 'ops@contoso.example'],
    });
    const got = await l.smtpMessages(sender);
    expect(got.length).toBe(1);
    expect(got[0]!.from).toBe(sender);
    expect(got[0]!.to.sort()).toEqual(['admin@contoso.example', 'ops@contoso.example']);
    const raw = decodeQp(got[0]!.raw);
    expect(raw).toMatch(/^Subject: \[mailbox-health\] CRIT servicedesk@contoso\.example: inbox/m);
    // The plain-text part may show the text as it is (plain text is inert); the HTML part must escape it.
    const html = raw.slice(raw.indexOf('Content-Type: text/html'));
    expect(html.length).toBeLessThan(raw.length);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(raw).toContain('Auto-Submitted: auto-generated');
    expect((await l.smtpStats(sender)).maxConcurrent).toBe(1);
  });

  it('reports an Exchange refusal with its reply and without the token', async () => {
    await l.scriptSmtp(sender, [
      {
        at: 'auth',
        code: 535,
        message: '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.',
      },
    ]);
    const err = await channel()
      .send({ input, rendered: renderAlert(input), recipients: ['admin@contoso.example'] })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toContain('535');
    expect(err?.message).toContain('5.7.139');
    expect(err?.message).not.toContain(token);
  });
});
