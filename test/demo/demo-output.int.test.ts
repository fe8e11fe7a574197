/**
 * `npm run demo` is the quick start: run its compiled entry against the running lab (the in-memory IMAP server,
 * as on a machine without Dovecot) and check the mails it leaves in its output folder as an admin would read them:
 * parsed with mailparser (a text and an HTML part carrying the same items) and rendered in Chromium at 600 px and
 * 375 px — no sideways scrolling, every text colour at least 4.5:1 in light and dark mode, no raw byte counts or
 * metric keys, one item per problem, likely-legitimate Junk first, no serious axe-core violation.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/shared/contracts.js';
import { tokenize } from '../review/html-check.js';
import {
  browserUnavailable,
  hasHorizontalScroll,
  launchBrowser,
  openPage,
  runAxe,
  seriousViolations,
  textContrasts,
  visibleText,
} from '../helpers/browser.js';
import { labEndpoints } from '../helpers/lab.js';

const run = promisify(execFile);
const noBrowser = browserUnavailable();

interface DemoMail {
  file: string;
  html: string;
  parsed: ParsedMail;
}

let dir: string;
let stdout: string;
let files: string[];
let alert: DemoMail;
let digest: DemoMail;
let results: CheckResult[];
let address: string;

beforeAll(async () => {
  labEndpoints(); // fails clearly when the lab is not running
  dir = mkdtempSync(join(tmpdir(), 'mh-demo-'));
  const out = join(dir, 'demo-out');
  // dist/ is built by `npm test` before the lab starts.
  ({ stdout } = await run(process.execPath, ['dist/lab/demo.js', '--imap', 'memory', '--out', out], {
    env: process.env,
    maxBuffer: 10 * 1024 * 1024,
  }));
  files = readdirSync(out).sort();
  const mails: DemoMail[] = [];
  for (const eml of files.filter((f) => f.endsWith('.eml') && !f.startsWith('status'))) {
    const parsed = await simpleParser(readFileSync(join(out, eml)));
    mails.push({ file: eml, html: readFileSync(join(out, eml.replace(/\.eml$/, '.html')), 'utf8'), parsed });
  }
  digest = mails.find((m) => m.parsed.subject?.startsWith('Weekly Junk review'))!;
  alert = mails.find((m) => m !== digest)!;
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
    outcomes: Array<{ status: string; results?: CheckResult[] }>;
  };
  results = summary.outcomes.flatMap((o) => o.results ?? []);
  address = String(alert?.parsed.from?.value[0]?.address);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('writes the alert and the spam digest as .eml and .html, rendered inert', () => {
    expect(stdout).toContain('IMAP: the in-memory IMAP server');
    expect(stdout).toMatch(/CRIT\s+inbox\s+4 messages, 3 waiting, oldest 3 h/);
    expect(files).toEqual(expect.arrayContaining(['summary.json', 'log.txt']));
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.html') && !f.startsWith('status'))).toHaveLength(2);
    expect(alert.parsed.subject).toMatch(
      /^CRIT servicedesk@\S+: mail not fetched for 3 h · 1 mail too large for ESM/,
    );
    const { tags, texts } = tokenize(digest.html);
    expect(tags.some((t) => t.name === 'script')).toBe(false);
    expect(tags.some((t) => t.name === 'img')).toBe(false);
    expect(tags.flatMap((t) => [...t.attrs.keys()]).some((a) => a.startsWith('on'))).toBe(false);
    // The only links are the app's own action buttons (the served mailboxAction endpoint); nothing loads.
    expect(tags.some((t) => t.attrs.has('src'))).toBe(false);
    const hrefs = tags.flatMap((t) => (t.attrs.has('href') ? [String(t.attrs.get('href'))] : []));
    // One "Move to INBOX" per listed Junk message, plus "Move all likely legitimate".
    const rows = tags.filter((t) => t.name === 'tr' && t.attrs.has('data-uid')).length;
    expect(rows).toBeGreaterThan(30);
    expect(hrefs).toHaveLength(rows + 1);
    for (const h of hrefs) expect(h).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/mailboxAction\?t=[\w.-]+$/);
    const text = texts.join(' ');
    // The hostile subject arrives as text, and the 10 kB subject is capped.
    expect(text).toContain('<script>alert("junk")</script>');
    expect(Math.max(...texts.map((t) => t.length))).toBeLessThan(2_000);
    expect(text).not.toContain('\u202E');
  });

  it('releases one Junk mail through the digest button, served by the real mailboxAction handler', () => {
    const out = join(dir, 'demo-out');
    expect(stdout).toMatch(/GET {2}→ 200 "Move to INBOX\?" \(nothing moved: Inbox 4, Junk 40\)/);
    expect(stdout).toContain('POST → 200 "Moved" (Inbox 4 → 5, Junk 40 → 39)');
    expect(stdout).toContain('POST again → 200 "Already done"');
    const confirm = readFileSync(join(out, 'action', 'confirm.html'), 'utf8');
    expect(confirm).toContain('<form method="post" action="/api/mailboxAction">');
    expect(confirm).toContain('Nothing has changed yet.');
    const result = readFileSync(join(out, 'action', 'result.html'), 'utf8');
    expect(result).toMatch(/1 of 1 moved from .*Junk Email.* to .*INBOX/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      release: { counts: Record<string, number[]> };
    };
    expect(summary.release.counts).toEqual({
      before: [4, 40],
      afterGet: [4, 40],
      afterPost: [5, 39],
      afterReplay: [5, 39],
    });
  });

  it('writes the status page: this run on top of three simulated days with an outage and its recovery', () => {
    const out = join(dir, 'demo-out');
    expect(files).toEqual(expect.arrayContaining(['status.html', 'status-crit.html', 'status']));
    const overview = readFileSync(join(out, 'status.html'), 'utf8');
    expect(overview).toMatch(/servicedesk<\/a>/);
    expect(overview).toContain('class="badge b-CRIT">Critical');
    const page = readFileSync(join(out, 'status', 'servicedesk.html'), 'utf8');
    const bar = /aria-label="(Daily worst status[^"]*)"/.exec(page)?.[1] ?? '';
    expect(bar).toMatch(/\d+ days? CRIT/);
    expect(bar).toMatch(/\d+ days? OK/);
    expect(bar).toMatch(/\d+ days no data/);
    const runs = page.slice(page.indexOf('Last 50 runs'));
    expect(runs).toContain('class="badge b-OK"');
    expect(runs).toContain('class="badge b-CRIT"');
  });

  it('parses with mailparser into a text and an HTML part that carry the same items', () => {
    for (const m of [alert, digest]) {
      expect(m.parsed.text, m.file).toBeTruthy();
      expect(m.parsed.html, m.file).toBeTruthy();
      expect(m.parsed.html).toContain('<meta charset="utf-8">');
    }
    const titles = [...String(alert.parsed.html).matchAll(/<h2[^>]*>\d+\. ([^<]+)<\/h2>/g)].map((x) => x[1]!);
    expect(titles).toEqual([
      'Mail not fetched for 3 h',
      '1 mail too large for ESM',
      '40 unreviewed mails in Junk Email',
      '85 % of the daily sending limit used',
    ]);
    titles.forEach((t, i) => expect(alert.parsed.text).toContain(`${i + 1}. ${t} [`));
    // The digest's likely-legitimate senders and their reasons are in both parts.
    for (const part of [String(digest.parsed.text), String(digest.parsed.html)]) {
      expect(part).toContain('anna@customer.example');
      expect(part).toContain('Re: [ESM-12345] Printer still broken');
      expect(part).toContain('ticket number [ESM-12345]');
    }
  });
});

describe.skipIf(noBrowser !== null)('the demo mails in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  const metricKeys = () => [...new Set(results.flatMap((r) => Object.keys(r.metrics)))];

  async function checkPage(page: Page, label: string): Promise<string> {
    expect(await hasHorizontalScroll(page), `${label}: horizontal scroll`).toBe(false);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const low = (await textContrasts(page)).filter((c) => c.ratio < 4.5);
      expect(low, `${label} (${scheme}): text under 4.5:1`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    const text = (await visibleText(page)).split(address).join('');
    // Five or more bare digits are a raw count (ticket numbers like ESM-12345 are mail data, not counts).
    expect(text.match(/(?<![-\w])\d{5,}\b/g), `${label}: raw numbers`).toBeNull();
    expect(text.match(/\b\d{1,3}(,\d{3})+ ?B\b/g), `${label}: byte counts`).toBeNull();
    for (const key of metricKeys()) expect(text, `${label}: metric key ${key}`).not.toContain(key);
    expect(seriousViolations(await runAxe(page)), `${label}: axe`).toEqual([]);
    return text;
  }

  for (const width of [600, 375]) {
    it(`alert at ${width} px: one item per problem, worst first, readable`, async () => {
      const { page, requests } = await openPage(browser, { html: alert.html }, width);
      const text = await checkPage(page, `alert ${width}`);
      const items = (await page.evaluate(
        `[...document.querySelectorAll('[data-item]')].map((e) => e.getAttribute('data-item'))`,
      )) as string[];
      expect(items).toEqual(['inbox:waiting', 'inbox:oversized', 'junk', 'sent-quota']);
      const summary = (await page.evaluate(`document.querySelectorAll('.mh-summary li').length`)) as number;
      expect(summary).toBe(items.length);
      expect(text).toContain('28.6 MB');
      expect(text).toContain('8,500 of 10,000 (85 %)');
      expect(requests.filter((u) => !u.startsWith('about:'))).toEqual([]);
      await page.context().close();
    }, 60_000);

    it(`digest at ${width} px: likely legitimate first, readable, chart kept`, async () => {
      const { page, requests } = await openPage(browser, { html: digest.html }, width);
      const text = await checkPage(page, `digest ${width}`);
      const rows = (await page.evaluate(
        `[...document.querySelectorAll('tr[data-uid]')].map((e) => e.className)`,
      )) as string[];
      const legit = rows.filter((c) => c === 'mh-legit').length;
      expect(legit).toBeGreaterThanOrEqual(2);
      expect(rows.slice(0, legit).every((c) => c === 'mh-legit')).toBe(true);
      expect(rows.slice(legit).every((c) => c === 'mh-other')).toBe(true);
      expect(text).toContain('Why: the sender corresponded with this mailbox');
      expect((await page.evaluate(`document.querySelectorAll('td.bar').length`)) as number).toBeGreaterThan(
        0,
      );
      expect(requests.filter((u) => !u.startsWith('about:'))).toEqual([]);
      await page.context().close();
    }, 60_000);
  }
});
