/**
 * `npm run demo` is the quick start: run its compiled entry against the running lab (the in-memory IMAP server,
 * as on a machine without Dovecot) and check the files it leaves in its output folder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../review/html-check.js';
import { labEndpoints } from '../helpers/lab.js';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('writes the alert and the spam digest as .eml and .html, rendered inert', async () => {
    labEndpoints(); // fails clearly when the lab is not running
    const out = join(mkdtempSync(join(tmpdir(), 'mh-demo-')), 'demo-out');
    // dist/ is built by `npm test` before the lab starts.
    const { stdout } = await run(process.execPath, ['dist/lab/demo.js', '--imap', 'memory', '--out', out], {
      env: process.env,
      maxBuffer: 10 * 1024 * 1024,
    });
    expect(stdout).toContain('IMAP: the in-memory IMAP server');
    expect(stdout).toMatch(/CRIT\s+inbox\s+4 messages, 3 waiting, oldest 3 h/);
    const files = readdirSync(out).sort();
    expect(files).toEqual(expect.arrayContaining(['summary.json', 'log.txt']));
    const emls = files.filter((f) => f.endsWith('.eml'));
    const htmls = files.filter((f) => f.endsWith('.html') && !f.startsWith('status'));
    expect(emls).toHaveLength(2);
    expect(htmls).toHaveLength(2);

    const alert = readFileSync(
      join(
        out,
        htmls.find((f) => f.includes('mailbox-health-crit'))!,
      ),
      'utf8',
    );
    expect(alert).toContain('inbox');
    expect(alert).toContain('30000364'); // the oversized message's exact size

    const digest = readFileSync(
      join(
        out,
        htmls.find((f) => f.includes('junk-review'))!,
      ),
      'utf8',
    );
    const { tags, texts } = tokenize(digest);
    expect(tags.some((t) => t.name === 'script')).toBe(false);
    expect(tags.some((t) => t.name === 'img')).toBe(false);
    expect(tags.flatMap((t) => [...t.attrs.keys()]).some((a) => a.startsWith('on'))).toBe(false);
    expect(tags.some((t) => t.attrs.has('href') || t.attrs.has('src'))).toBe(false);
    const text = texts.join(' ');
    // The hostile subject arrives as text, and the 10 kB subject is capped.
    expect(text).toContain('<script>alert("junk")</script>');
    expect(Math.max(...texts.map((t) => t.length))).toBeLessThan(2_000);
    expect(text).not.toContain('\u202E');

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      imap: string;
      emails: string[];
    };
    expect(summary.imap).toBe('in-memory IMAP server');
    expect(summary.emails).toHaveLength(4);

    // The status page: this run on top of three simulated days with a sign-in outage and its recovery.
    expect(files).toEqual(expect.arrayContaining(['status.html', 'status-crit.html', 'status']));
    const overview = readFileSync(join(out, 'status.html'), 'utf8');
    expect(overview).toMatch(/servicedesk<\/a>/);
    expect(overview).toContain('class="badge b-CRIT">Critical');
    const page = readFileSync(join(out, 'status', 'servicedesk.html'), 'utf8');
    const bar = /aria-label="(Daily worst status[^"]*)"/.exec(page)?.[1] ?? '';
    expect(bar).toMatch(/\d+ days? CRIT/); // the outage's day (and this run's)
    expect(bar).toMatch(/\d+ days? OK/);
    expect(bar).toMatch(/\d+ days no data/); // the simulated history covers 3 of the 30 days
    // After the outage the runs recovered: the last runs hold OK ones before this run's CRIT.
    const runs = page.slice(page.indexOf('Last 50 runs'));
    expect(runs).toContain('class="badge b-OK"');
    expect(runs).toContain('class="badge b-CRIT"');
    expect(page).toMatch(/Last 50 runs/);
  }, 120_000);
});
