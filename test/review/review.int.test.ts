/**
 * The weekly spam review against Dovecot (the lab's Exchange stand-in: no SPECIAL-USE, XOAUTH2 only, tokens from
 * the Entra emulator): runSpamReview through the real ImapSession, then the digest parsed, the record written, and
 * the mailbox proven unchanged (flags as seeded).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDeadline } from '../../src/shared/deadline.js';
import type { TokenSource } from '../../src/shared/auth/ports.js';
import { ManualClock, systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { ImapSession } from '../../src/shared/mail/imap-session.js';
import { runSpamReview, type DigestMail } from '../../src/shared/review/run.js';
import type { ReviewRecord } from '../../src/shared/review/types.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';
import { tokenize } from './html-check.js';
import { mailboxConfig, NOW, seed } from './review-lab.js';

describe.runIf(requireDovecot())('spam review against Dovecot', () => {
  const l = lab();
  const tenantId = `${l.unique('rvw')}.example`;
  const clientId = '0b7e6d1f-6f6a-4c55-9a43-2b2a5f9f0c12';
  const upn = `desk@${tenantId}`;
  const before = new Map<string, Array<{ uid: number; flags: string[] }>>();

  beforeAll(async () => {
    await l.addTenant(tenantId, [tenantId]);
    await l.addUser(tenantId, { upn, password: 'unused-1!' });
    await l.addApp(tenantId, { clientId, publicClient: true, delegatedScopes: ['IMAP.AccessAsUser.All'] });
    for (const [folder, messages] of Object.entries(seed())) {
      await l.seedMessages(
        upn,
        folder,
        messages.map((m) => ({
          raw: typeof m.raw === 'string' ? m.raw : m.raw.toString('utf8'),
          flags: m.flags ?? [],
          internalDate: (m.internalDate ?? NOW).toISOString(),
        })),
      );
      before.set(
        folder,
        (await l.listMessages(upn, folder)).map(({ uid, flags }) => ({ uid, flags })),
      );
    }
  });

  it('collects, sends an inert digest, records the review, and changes nothing in the mailbox', async () => {
    const imap = labEndpoints().imap!;
    // The seeded correspondents use the fixture's address; this mailbox is the lab user's.
    const mailbox = {
      ...mailboxConfig(),
      address: upn,
      cloud: { ...mailboxConfig().cloud, imapHost: `localhost:${imap.port}` },
    };
    const tokens: TokenSource = {
      acquire: async () => {
        const t = await l.mintToken({ tenantId, clientId, upn, scopes: ['IMAP.AccessAsUser.All'] });
        return {
          ok: true,
          grant: {
            accessToken: t.access_token,
            expiresOn: new Date(Date.now() + t.expires_in * 1000),
            fromCache: false,
            claims: {},
            retries: 0,
            kind: 'delegated',
          },
        };
      },
    };
    const deadline = createDeadline(systemClock, 30_000);
    const records = new Map<string, ReviewRecord>([
      ['servicedesk', { lastReviewAt: '2026-11-16T07:00:00.000Z', weeklyJunk: [] }],
    ]);
    const sent: DigestMail[] = [];
    try {
      const out = await runSpamReview({
        mailbox,
        tokens,
        imap: new ImapSession(mailbox, deadline, silentLogger),
        store: { get: async (m) => records.get(m), put: async (m, r) => void records.set(m, r) },
        send: async (m) => void sent.push(m),
        clock: new ManualClock(NOW),
      });
      expect(out).toMatchObject({ status: 'sent', newSinceReview: 15, recorded: true });
      if (out.status !== 'sent') return;
      expect(out.hinted).toBeGreaterThanOrEqual(4);
    } finally {
      deadline.dispose();
    }
    expect(sent).toHaveLength(1);
    const { tags, texts } = tokenize(sent[0]!.html);
    expect(tags.some((t) => ['script', 'img', 'a', 'svg'].includes(t.name))).toBe(false);
    expect(
      tags.some((t) => [...t.attrs.keys()].some((a) => a.startsWith('on') || a === 'href' || a === 'src')),
    ).toBe(false);
    expect(texts.join('')).toContain('<script>alert(1)</script>');
    expect(sent[0]!.html).not.toContain('\u202E');
    expect(records.get('servicedesk')?.lastReviewAt).toBe(NOW.toISOString());
    const weekly = records.get('servicedesk')?.weeklyJunk ?? [];
    expect(weekly.map((w) => w.junkMessages)).toEqual([2, 0, 4, 1, 3, 6, 2 + 12, 1]);
    for (const [folder, was] of before) {
      const now = (await l.listMessages(upn, folder)).map(({ uid, flags }) => ({ uid, flags }));
      expect(now, folder).toEqual(was);
    }
  });
});
