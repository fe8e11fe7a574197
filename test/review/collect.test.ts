/**
 * collectReview against the memory IMAP server: counts, the newest list, hints, the 8-week counts merged with the
 * previous record, read-only behaviour (EXAMINE only, no flag changed), and an end-to-end digest that stays inert.
 */
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { renderDigest } from '../../src/shared/review/digest.js';
import { collectReview, MAX_MAIL_STRING } from '../../src/shared/review/collect.js';
import type { ReviewCollection } from '../../src/shared/review/types.js';
import { tokenize } from './html-check.js';
import { FILLER_PER_WEEK, mailboxConfig, NOW, startReviewLab, type ReviewLab } from './review-lab.js';

let lab: ReviewLab;
let client: ImapFlow;
beforeAll(async () => {
  lab = await startReviewLab();
  client = lab.client();
  await client.connect();
});
afterAll(async () => {
  await client?.logout().catch(() => undefined);
  await lab?.stop();
});

async function collect(
  previous?: Parameters<typeof collectReview>[0]['previous'],
  over = {},
): Promise<ReviewCollection> {
  const out = await collectReview({
    client,
    mailbox: mailboxConfig(over),
    clock: new ManualClock(NOW),
    ...(previous ? { previous } : {}),
  });
  if (!out.ok) throw new Error(out.message);
  return out.collection;
}

describe('collectReview', () => {
  it('counts Junk, new since the last review, and lists the newest first with decoded (still raw) subjects', async () => {
    const before = lab.server.messages('Junk Email');
    const c = await collect({ lastReviewAt: '2026-11-16T07:00:00.000Z', weeklyJunk: [] });
    const filler = FILLER_PER_WEEK.reduce((n, [, k]) => n + k, 0);
    expect(c.junkFolder).toEqual({ path: 'Junk Email', foundBy: 'name' });
    expect(c.sentFolder).toEqual({ path: 'Sent Items', foundBy: 'name' });
    expect(c.junkCount).toBe(1 + filler + 13);
    // After 2026-11-16 07:00: the 2 filler messages of that week (10:00, 11:00) and the 13 interesting ones.
    expect(c.newSinceReview).toBe(2 + 13);
    expect(c.listed[0]?.subject).toBe('Visit http://evil.example now');
    expect(c.listed.map((i) => i.received)).toEqual([...c.listed.map((i) => i.received)].sort().reverse());
    const subjects = c.listed.map((i) => i.subject);
    expect(subjects).toContain('<script>alert(1)</script>');
    expect(subjects).toContain('<img src=x onerror=alert(1)>');
    expect(subjects.find((s) => s.startsWith('yyy'))?.length).toBe(MAX_MAIL_STRING);
    expect(c.listed.find((i) => i.senderAddress === 'anna@customer.example')?.sizeBytes).toBeGreaterThan(100);

    // Read-only: EXAMINE, never SELECT/STORE; no flag changed (the unseen ones are still unseen).
    expect(lab.server.messages('Junk Email')).toEqual(before);
    const cmds = lab.server.stats().commands;
    expect(cmds).toContain('EXAMINE');
    expect(cmds.filter((x) => /SELECT|STORE|COPY|MOVE|EXPUNGE|APPEND|DELETE/.test(x))).toEqual([]);
  });

  it('marks likely legitimate mails: known sender/domain, reply subjects, ticket numbers — not the own domain', async () => {
    const c = await collect();
    const hintsOf = (addr: string) => c.listed.find((i) => i.senderAddress === addr)?.hints;
    expect(hintsOf('anna@customer.example')).toEqual(['known-sender']);
    expect(hintsOf('bob@partner.example')).toEqual(['known-sender']);
    expect(hintsOf('carl@customer.example')).toEqual(['known-domain']);
    expect(hintsOf('kai@kunde.example')).toEqual(['known-sender', 'reply-subject']);
    expect(hintsOf('x@random.example')).toEqual(['ticket-number']);
    expect(c.listed.find((i) => i.senderAddress === 'x@random.example')?.ticket).toBe('[ESM-4711]');
    // A forged own-domain sender earns nothing; a domain last seen 45 days ago is not "known".
    expect(hintsOf('ceo@contoso.com')).toEqual([]);
    expect(hintsOf('z@olddomain.example')).toEqual([]);
    expect(hintsOf('e@edge.example')).toEqual([]);
    expect(hintsOf('eve@evil.example')).toEqual([]);
    expect(c.knownDomains).toBe(3);
  });

  it('counts the last 8 ISO weeks (UTC), never below what an earlier review recorded', async () => {
    const c = await collect({
      weeklyJunk: [
        { week: '2026-10-12', junkMessages: 9 },
        { week: '2026-09-28', junkMessages: 50 },
      ],
    });
    expect(c.weekly.map((w) => w.week)).toEqual([...FILLER_PER_WEEK.map(([w]) => w), '2026-11-23']);
    const counts = Object.fromEntries(c.weekly.map((w) => [w.week, w.junkMessages]));
    expect(counts).toEqual({
      '2026-10-05': 2,
      '2026-10-12': 9, // the folder has 0 left of that week; the earlier review saw 9
      '2026-10-19': 4,
      '2026-10-26': 1,
      '2026-11-02': 3,
      '2026-11-09': 6,
      '2026-11-16': 2 + 12,
      '2026-11-23': 1,
    });
  });

  it('honours maxListed and a configured ticket pattern', async () => {
    const c = await collect(undefined, { spamReview: { maxListed: 3, ticketPattern: '#\\d+' } });
    expect(c.listed).toHaveLength(3);
    expect(c.listed.map((i) => i.senderAddress)).toEqual([
      'eve@evil.example',
      'eve@evil.example',
      'eve@evil.example',
    ]);
    expect(c.newSinceReview).toBe(c.junkCount);
  });

  it('reports a Junk folder it cannot find instead of guessing', async () => {
    const out = await collectReview({
      client,
      mailbox: mailboxConfig({ folders: { junk: 'Spam' } }),
      clock: new ManualClock(NOW),
    });
    expect(out).toMatchObject({ ok: false, code: 'JUNK_NOT_FOUND' });
  });

  it('feeds a digest in which the hostile subjects stay text', async () => {
    const c = await collect();
    const d = renderDigest({
      collection: c,
      mailboxAddress: 'servicedesk@contoso.com',
      fetchedFolder: 'INBOX',
    });
    const { tags, texts } = tokenize(d.html);
    expect(tags.some((t) => ['script', 'img', 'a', 'svg'].includes(t.name))).toBe(false);
    expect(
      tags.some((t) => [...t.attrs.keys()].some((a) => a.startsWith('on') || a === 'href' || a === 'src')),
    ).toBe(false);
    expect(texts.join('')).toContain('<script>alert(1)</script>');
    expect(d.html).not.toContain('\u202E');
  });
});

describe('collectReview with SPECIAL-USE', () => {
  it('finds Junk by its \\Junk attribute even when no configured name matches', async () => {
    const su = await startReviewLab({ specialUse: true });
    const c = su.client();
    try {
      await c.connect();
      const out = await collectReview({
        client: c,
        mailbox: mailboxConfig({ junk: { names: ['Courrier indésirable'] } }),
        clock: new ManualClock(NOW),
      });
      expect(out.ok && out.collection.junkFolder).toEqual({ path: 'Junk Email', foundBy: 'special-use' });
      expect(out.ok && out.collection.sentFolder).toEqual({ path: 'Sent Items', foundBy: 'special-use' });
    } finally {
      await c.logout().catch(() => undefined);
      await su.stop();
    }
  });
});
