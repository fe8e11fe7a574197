/**
 * The digest with hostile mail data, checked by PARSING the HTML: no script or other active element, no on*
 * attribute, no href/src at all, no bidi or control character, every mail string capped; the chart's bar widths are
 * proportional to the weekly counts; the setup guide's instruction is quoted.
 */
import { describe, expect, it } from 'vitest';
import { BAR_MAX_PX } from '../../src/shared/review/digest-chart.js';
import { defeatAutolink, mailText } from '../../src/shared/review/digest-text.js';
import { DIGEST_CAPS, renderDigest, SEED_INSTRUCTION } from '../../src/shared/review/digest.js';
import type { JunkItem, ReviewCollection } from '../../src/shared/review/types.js';
import { tokenize } from './html-check.js';

const HOSTILE_SUBJECTS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "'><a href='javascript:alert(1)'>click</a>",
  'Invoice \u202Efdp.exe\u202C and \u2066isolate\u2069 \u200Emark\u200F',
  'javascript:alert(document.cookie)',
  'Visit http://evil.example/login and www.evil.example now',
  'line one\r\nBcc: victim@example.com\u0000\u0007',
  'x'.repeat(10_000),
  '</td></tr></table><table><tr><td onclick=alert(1)>',
];

function item(i: number, over: Partial<JunkItem> = {}): JunkItem {
  return {
    uid: i + 1,
    received: new Date(Date.UTC(2026, 10, 23, 10, i)).toISOString(),
    senderName: '<b onmouseover=alert(1)>Eve</b>',
    senderAddress: 'eve@evil.example',
    subject: HOSTILE_SUBJECTS[i % HOSTILE_SUBJECTS.length]!,
    sizeBytes: 1000 * (i + 1),
    hints: [],
    ...over,
  };
}

const WEEKLY = [
  ['2026-10-05', 0],
  ['2026-10-12', 3],
  ['2026-10-19', 12],
  ['2026-10-26', 6],
  ['2026-11-02', 1],
  ['2026-11-09', 24],
  ['2026-11-16', 8],
  ['2026-11-23', 2],
].map(([week, n]) => ({ week: week as string, junkMessages: n as number }));

function collection(over: Partial<ReviewCollection> = {}): ReviewCollection {
  return {
    mailbox: 'servicedesk',
    junkFolder: { path: 'Junk Email', foundBy: 'name' },
    collectedAt: '2026-11-23T07:00:00.000Z',
    lastReviewAt: '2026-11-16T07:00:00.000Z',
    junkCount: 40,
    newSinceReview: 12,
    scanTruncated: false,
    listed: HOSTILE_SUBJECTS.map((_, i) => item(i)),
    weekly: WEEKLY,
    knownDomains: 3,
    ...over,
  };
}

const ALLOWED_TAGS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'body',
  'h2',
  'h3',
  'p',
  'b',
  'i',
  'br',
  'table',
  'tr',
  'td',
  'th',
  'span',
]);
const ALLOWED_ATTRS = new Set([
  'style',
  'bgcolor',
  'width',
  'height',
  'cellpadding',
  'cellspacing',
  'border',
  'role',
  'align',
  'valign',
  'nowrap',
  'class',
  'data-week',
  'data-count',
  'charset',
]);
// eslint-disable-next-line no-control-regex -- the test looks for exactly these characters
const UNSAFE_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('renderDigest', () => {
  const digest = renderDigest({
    collection: collection(),
    mailboxAddress: 'servicedesk@contoso.com',
    fetchedFolder: 'INBOX',
  });
  const { tags, texts } = tokenize(digest.html);

  it('renders hostile subjects and senders inert: only our own tags and attributes, no link, no image', () => {
    const names = new Set(tags.filter((t) => !t.name.startsWith('/')).map((t) => t.name));
    for (const n of names) expect(ALLOWED_TAGS, `tag <${n}>`).toContain(n);
    for (const t of tags) {
      for (const a of t.attrs.keys()) {
        expect(a.startsWith('on'), `attribute ${a} on <${t.name}>`).toBe(false);
        expect(ALLOWED_ATTRS, `attribute ${a} on <${t.name}>`).toContain(a);
      }
      expect(t.attrs.has('href') || t.attrs.has('src')).toBe(false);
    }
    expect(names.has('script')).toBe(false);
    // The markup is still there for the reviewer to read — as text.
    const all = texts.join('');
    expect(all).toContain('<script>alert(1)</script>');
    expect(all).toContain('<img src=x onerror=alert(1)>');
  });

  it('neutralises bidi overrides and control characters in both parts, and keeps the subject one line', () => {
    expect(digest.html).not.toMatch(UNSAFE_CHARS);
    expect(digest.text).not.toMatch(UNSAFE_CHARS);
    expect(digest.subject).not.toMatch(/[\r\n]/);
    expect(digest.text).not.toContain('\nBcc:');
    expect(texts.join('').replace(/\u200b/g, '')).toContain('Invoice fdp.exe and isolate mark');
  });

  it('defeats auto-linking of URL-looking text with zero-width spaces', () => {
    const all = texts.join('');
    expect(all).not.toMatch(/https?:\/\//);
    expect(all).not.toMatch(/javascript:/i);
    expect(all).not.toMatch(/www\./i);
    expect(all).not.toMatch(/evil\.example/);
    expect(digest.text).not.toMatch(/https?:\/\/|javascript:|www\.|evil\.example/i);
    expect(defeatAutolink('http://evil.example').replace(/\u200b/g, '')).toBe('http://evil.example');
  });

  it('caps every mail string: a 10 kB subject becomes at most the display cap', () => {
    const cells = texts.map((t) => t.replace(/\u200b/g, ''));
    expect(Math.max(...cells.map((t) => Array.from(t).length))).toBeLessThanOrEqual(
      DIGEST_CAPS.subject + 100,
    );
    const long = cells.find((t) => t.startsWith('xxxx'));
    expect(long).toBeDefined();
    expect(Array.from(long!).length).toBe(DIGEST_CAPS.subject);
    expect(long!.endsWith('…')).toBe(true);
    expect(digest.text.length).toBeLessThan(20_000);
    expect(Array.from(mailText('y'.repeat(500), 50)).length).toBe(50);
  });

  it('draws the 8-week chart with table cells whose widths are proportional to the counts', () => {
    const bars = tags.filter((t) => t.name === 'td' && t.attrs.get('class') === 'bar');
    const nonZero = WEEKLY.filter((w) => w.junkMessages > 0);
    expect(bars.map((b) => b.attrs.get('data-week'))).toEqual(nonZero.map((w) => w.week));
    const max = Math.max(...WEEKLY.map((w) => w.junkMessages));
    for (const b of bars) {
      const count = Number(b.attrs.get('data-count'));
      const width = Number(b.attrs.get('width'));
      expect(b.attrs.get('bgcolor')).toMatch(/^#[0-9a-f]{6}$/i);
      expect(width).toBe(Math.max(1, Math.round((count / max) * BAR_MAX_PX)));
    }
    const w = (n: number) =>
      Number(bars.find((b) => b.attrs.get('data-count') === String(n))?.attrs.get('width'));
    expect(w(24)).toBe(BAR_MAX_PX);
    expect(w(12)).toBe(BAR_MAX_PX / 2);
    expect(w(6)).toBe(BAR_MAX_PX / 4);
    // Only tables: no CSS flex/grid, no SVG, no images.
    expect(digest.html).not.toMatch(/display\s*:\s*(flex|grid)|<svg|<img/i);
  });

  it('states the counts, quotes the setup guide and names the fetched folder', () => {
    const all = texts.join(' ');
    expect(digest.subject).toBe('Weekly Junk review: servicedesk@contoso.com - 12 new, 40 in Junk Email');
    expect(all).toContain('40 messages in Junk Email; 12 new since the last review (2026-11-16 07:00 UTC).');
    expect(all).toContain(SEED_INSTRUCTION);
    expect(digest.text).toContain(SEED_INSTRUCTION);
    expect(all).toContain('Move real customer mails to "INBOX"');
  });

  it('shows hints, and "at least" when the folder was larger than the scan', () => {
    const d = renderDigest({
      collection: collection({
        scanTruncated: true,
        listed: [
          item(0, {
            subject: 'Re: [ESM-123] printer',
            hints: ['known-domain', 'reply-subject', 'ticket-number'],
            ticket: '[ESM-123]',
          }),
        ],
      }),
      mailboxAddress: 'servicedesk@contoso.com',
      fetchedFolder: 'INBOX',
    });
    const parsed = tokenize(d.html);
    expect(parsed.tags.some((t) => t.name === 'tr' && t.attrs.get('bgcolor') === '#fff3cd')).toBe(true);
    const all = parsed.texts.join(' ');
    expect(all).toContain('subject is a reply');
    expect(all).toContain('ticket number [ESM-123]');
    expect(all).toContain("sender's domain seen in Inbox or Sent Items");
    expect(d.subject).toContain('at least 12 new');
    const first = renderDigest({
      collection: collection({ lastReviewAt: undefined }),
      mailboxAddress: 'a@b.example',
      fetchedFolder: 'INBOX',
    });
    expect(first.text).toContain('12 new (no earlier review on record).');
    expect(d.text).toContain('LIKELY LEGITIMATE');
  });
});
