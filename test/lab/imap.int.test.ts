/**
 * The lab's Dovecot is the Exchange IMAP path for imapflow: TLS with the lab CA, XOAUTH2 with a delegated token
 * (introspection) or an app-only token (mailbox grant), bad tokens refused, Exchange's capabilities and folders,
 * seeding with chosen flags and INTERNALDATE, doveadm usable against the lab config.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { lab, requireDovecot } from '../helpers/lab.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(requireDovecot())('lab Dovecot with imapflow', () => {
  const l = lab();
  const imap = l.endpoints.imap!;
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const appId = randomUUID();
  const user = `${l.unique('desk')}@contoso.example`;
  const client = (mailbox: string, accessToken: string) =>
    new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: true,
      auth: { user: mailbox, accessToken },
      logger: false,
    });
  /** Logs in and returns what the test needs, always logging out. */
  async function withLogin<T>(mailbox: string, token: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
    const c = client(mailbox, token);
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout();
    }
  }
  const refused = async (mailbox: string, token: string) => {
    const c = client(mailbox, token);
    const err = await c.connect().then(
      () => null,
      (e: unknown) => e,
    );
    c.close();
    return err as { authenticationFailed?: boolean } | null;
  };

  beforeAll(async () => {
    await l.addTenant(tenantId);
    await l.addApp(tenantId, { clientId, publicClient: true });
    await l.addApp(tenantId, { clientId: appId, appRoles: ['IMAP.AccessAsApp'] });
  });

  it('a delegated token logs in over TLS with XOAUTH2 and sees Exchange capabilities and folders', async () => {
    const { access_token } = await l.mintToken({
      tenantId,
      clientId,
      upn: user,
      scopes: ['IMAP.AccessAsUser.All'],
    });
    const { caps, paths } = await withLogin(user, access_token, async (c) => ({
      caps: [...c.capabilities.keys()],
      paths: (await c.list()).map((m) => m.path),
    }));
    expect(caps).toContain('IDLE');
    expect(caps).not.toContain('SPECIAL-USE');
    expect(caps).not.toContain('CONDSTORE');
    expect(paths).toEqual(
      expect.arrayContaining(['INBOX', 'Junk Email', 'Sent Items', 'Drafts', 'Deleted Items']),
    );
    const log = readFileSync(join(l.endpoints.labDir, 'dovecot', 'dovecot.log'), 'utf8');
    expect(log).toContain(`Login: user=<${user}>, method=XOAUTH2`);
  });

  it('refuses a forged token, an expired token, a token without the IMAP scope and another user', async () => {
    const good = await l.mintToken({ tenantId, clientId, upn: user, scopes: ['IMAP.AccessAsUser.All'] });
    const forged = good.access_token.slice(0, -6) + 'AAAAAA';
    expect((await refused(user, forged))?.authenticationFailed).toBe(true);
    const smtpOnly = await l.mintToken({ tenantId, clientId, upn: user, scopes: ['SMTP.Send'] });
    expect((await refused(user, smtpOnly.access_token))?.authenticationFailed).toBe(true);
    expect(
      (await refused(`${l.unique('other')}@contoso.example`, good.access_token))?.authenticationFailed,
    ).toBe(true);
    const short = await l.mintToken({
      tenantId,
      clientId,
      upn: user,
      scopes: ['IMAP.AccessAsUser.All'],
      lifetimeSeconds: 1,
    });
    await sleep(1500);
    expect((await refused(user, short.access_token))?.authenticationFailed).toBe(true);
  });

  it('an app-only token opens only the mailboxes the app was granted, including grants made after issue', async () => {
    const shared = `${l.unique('shared')}@contoso.example`;
    const later = `${l.unique('later')}@contoso.example`;
    await l.grantMailbox(tenantId, appId, shared);
    const { access_token } = await l.mintToken({ tenantId, clientId: appId, roles: ['IMAP.AccessAsApp'] });
    const inbox = await withLogin(
      shared,
      access_token,
      async (c) => (await c.mailboxOpen('INBOX', { readOnly: true })).path,
    );
    expect(inbox).toBe('INBOX');
    expect((await refused(later, access_token))?.authenticationFailed).toBe(true);
    await l.grantMailbox(tenantId, appId, later);
    expect(await withLogin(later, access_token, async () => true)).toBe(true);
    await l.revokeMailbox(tenantId, appId, later);
    expect((await refused(later, access_token))?.authenticationFailed).toBe(true);
    // A token without the IMAP role is refused even with a grant.
    const noRole = await l.mintToken({ tenantId, clientId: appId, roles: ['SMTP.SendAsApp'] });
    expect((await refused(shared, noRole.access_token))?.authenticationFailed).toBe(true);
  });

  it('seeds with chosen flags and INTERNALDATE, visible to the client and to doveadm', async () => {
    const mbx = `${l.unique('seed')}@contoso.example`;
    const when = '2026-03-04T05:06:07.000Z';
    const raw = `From: a@example.org\r\nTo: ${mbx}\r\nSubject: seeded ${randomUUID()}\r\n\r\nhello\r\n`;
    const { uids } = await l.seedMessages(mbx, 'Junk Email', [
      { raw, flags: ['\\Seen', '\\Flagged'], internalDate: when },
      { raw, internalDate: '2026-03-05T00:00:00.000Z' },
    ]);
    expect(uids).toEqual([1, 2]);
    const { access_token } = await l.mintToken({
      tenantId,
      clientId,
      upn: mbx,
      scopes: ['IMAP.AccessAsUser.All'],
    });
    const seen = await withLogin(mbx, access_token, async (c) => {
      await c.mailboxOpen('Junk Email', { readOnly: true });
      const out: { flags: string[]; date: string }[] = [];
      for await (const m of c.fetch('1:*', { flags: true, internalDate: true })) {
        out.push({
          flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
          date: new Date(m.internalDate ?? 0).toISOString(),
        });
      }
      return out;
    });
    expect(seen[0]).toEqual({ flags: ['\\Flagged', '\\Seen'], date: when });
    expect(seen[1]?.flags).toEqual([]);
    const listed = await l.listMessages(mbx, 'Junk Email');
    expect(listed.map((m) => m.uid)).toEqual([1, 2]);
    const status = execFileSync(
      'doveadm',
      [
        '-c',
        l.endpoints.doveadm!.configPath,
        'mailbox',
        'status',
        '-u',
        mbx,
        'messages highestmodseq',
        'Junk Email',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(status).toMatch(/messages=2 highestmodseq=\d+/);
  });
});
