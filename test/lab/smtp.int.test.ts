/**
 * The lab's SMTP server behaves like smtp.office365.com for nodemailer: STARTTLS then XOAUTH2, tokens checked
 * against the Entra emulator, Exchange's scripted replies reach the client verbatim, sent mail is captured.
 */
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../helpers/lab.js';

const SMTP_DISABLED =
  '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.';

describe('lab SMTP with nodemailer', () => {
  const l = lab();
  const smtp = l.endpoints.smtp!;
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const appId = randomUUID();
  const user = `${l.unique('sender')}@contoso.example`;
  const transport = (mailbox: string, accessToken: string) =>
    nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      requireTLS: true,
      auth: { type: 'OAuth2', user: mailbox, accessToken },
    });

  beforeAll(async () => {
    expect(smtp).toBeTruthy();
    await l.addTenant(tenantId);
    await l.addApp(tenantId, { clientId, publicClient: true });
    await l.addApp(tenantId, { clientId: appId, appRoles: ['SMTP.SendAsApp'] });
    await l.grantMailbox(tenantId, appId, user);
  });

  it('verify() passes with a delegated SMTP.Send token and fails with 535 5.7.3 for a bad one', async () => {
    const { access_token } = await l.mintToken({ tenantId, clientId, upn: user, scopes: ['SMTP.Send'] });
    await expect(transport(user, access_token).verify()).resolves.toBe(true);

    const imapOnly = await l.mintToken({ tenantId, clientId, upn: user, scopes: ['IMAP.AccessAsUser.All'] });
    const err = await transport(user, imapOnly.access_token)
      .verify()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EAUTH', responseCode: 535 });
    expect((err as Error).message).toContain('5.7.3 Authentication unsuccessful');

    const forged = access_token.slice(0, -4) + (access_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expect(transport(user, forged).verify()).rejects.toMatchObject({
      code: 'EAUTH',
      responseCode: 535,
    });
  });

  it("a delegated token does not open another user's mailbox; an app token needs the mailbox grant", async () => {
    const other = `${l.unique('other')}@contoso.example`;
    const mine = await l.mintToken({ tenantId, clientId, upn: user, scopes: ['SMTP.Send'] });
    await expect(transport(other, mine.access_token).verify()).rejects.toMatchObject({ responseCode: 535 });
    const app = await l.mintToken({ tenantId, clientId: appId, roles: ['SMTP.SendAsApp'] });
    await expect(transport(user, app.access_token).verify()).resolves.toBe(true);
    await expect(transport(other, app.access_token).verify()).rejects.toMatchObject({ responseCode: 535 });
  });

  it('the scripted 5.7.139 (SMTP AUTH disabled) text reaches verify() exactly', async () => {
    const u = `${l.unique('disabled')}@contoso.example`;
    await l.scriptSmtp(u, [{ at: 'auth', code: 535, message: SMTP_DISABLED }]);
    const { access_token } = await l.mintToken({ tenantId, clientId, upn: u, scopes: ['SMTP.Send'] });
    const err = await transport(u, access_token)
      .verify()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EAUTH', responseCode: 535 });
    expect((err as Error).message).toContain(SMTP_DISABLED);
    // Used up: the next attempt authenticates.
    await expect(transport(u, access_token).verify()).resolves.toBe(true);
  });

  it('captures sent mail with its envelope, and a scripted 554 5.2.0 quota reply fails the DATA', async () => {
    const { access_token } = await l.mintToken({ tenantId, clientId, upn: user, scopes: ['SMTP.Send'] });
    const t = transport(user, access_token);
    const subject = `hello ${randomUUID()}`;
    await t.sendMail({
      from: user,
      to: ['a@example.org', 'b@example.org'],
      bcc: 'c@example.org',
      subject,
      text: 'hi',
    });
    const msgs = await l.smtpMessages(user);
    const sent = msgs.find((m) => m.raw.includes(subject));
    expect(sent).toMatchObject({ from: user, authKind: 'delegated' });
    expect(sent!.to.sort()).toEqual(['a@example.org', 'b@example.org', 'c@example.org']);

    await l.scriptSmtp(user, [
      {
        at: 'data',
        code: 554,
        message:
          '5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message [BeginDiagnosticData]',
      },
    ]);
    const err = await t
      .sendMail({ from: user, to: 'a@example.org', subject: 'over', text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ responseCode: 554 });
    expect((err as Error).message).toContain('SubmissionQuotaExceededException');
    expect((await l.smtpMessages(user)).length).toBe(msgs.length);
  });

  it('counts concurrent connections per user and refuses a 4th with 432 4.3.2', async () => {
    const u = `${l.unique('conc')}@contoso.example`;
    const { access_token } = await l.mintToken({ tenantId, clientId, upn: u, scopes: ['SMTP.Send'] });
    const pooled = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      requireTLS: true,
      pool: true,
      maxConnections: 4,
      auth: { type: 'OAuth2', user: u, accessToken: access_token },
    });
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
        pooled.sendMail({ from: u, to: 'x@example.org', subject: `m${i}`, text: 'x' }),
      ),
    );
    pooled.close();
    const stats = await l.smtpStats(u);
    expect(stats.maxConcurrent).toBe(3);
    expect(results.some((r) => r.status === 'rejected' && String(r.reason).includes('4.3.2'))).toBe(true);
  });

  it('refuses AUTH before STARTTLS, as Exchange does', async () => {
    const { access_token } = await l.mintToken({ tenantId, clientId, upn: user, scopes: ['SMTP.Send'] });
    const plain = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      ignoreTLS: true,
      auth: { type: 'OAuth2', user, accessToken: access_token },
    });
    await expect(plain.verify()).rejects.toThrow();
  });
});
