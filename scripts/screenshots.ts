/**
 * `npm run screenshots`: renders the mails the demo wrote (the alert and the weekly Junk review, and the status page
 * when the demo wrote one) to PNGs in docs/ with Debian's chromium, headless, so the README shows what an admin
 * receives. Each is shot at 600 px (desktop mail column) and 375 px (phone).
 *
 *   node dist/scripts/screenshots.js [--from demo-out] [--to docs/screenshots]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser, openPage } from '../test/helpers/browser.js';

/** Which demo file is which: by the start of the decoded Subject the demo wrote into the .html's <title>. */
function classify(html: string): 'digest' | 'alert' | 'status' | undefined {
  const title = /<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? '';
  if (/^Weekly Junk review/i.test(title)) return 'digest';
  if (/^(CRIT|WARN|UNKNOWN|RESOLVED) /.test(title)) return 'alert';
  if (/status/i.test(title)) return 'status';
  return undefined;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string', default: 'demo-out' },
      to: { type: 'string', default: 'docs/screenshots' },
    },
  });
  const from = resolve(values.from);
  const to = resolve(values.to);
  if (!existsSync(from)) {
    process.stderr.write(`screenshots: ${from} does not exist: run \`npm run demo\` first\n`);
    return 1;
  }
  mkdirSync(to, { recursive: true });
  const pages = new Map<string, string>();
  for (const f of readdirSync(from)
    .filter((x) => x.endsWith('.html'))
    .sort()) {
    const html = readFileSync(join(from, f), 'utf8');
    const kind = classify(html);
    if (kind && !pages.has(kind)) pages.set(kind, html);
  }
  if (!pages.has('alert') || !pages.has('digest')) {
    process.stderr.write(`screenshots: no alert or digest .html in ${from}\n`);
    return 1;
  }
  const browser = await launchBrowser();
  try {
    for (const [kind, html] of pages) {
      for (const width of [600, 375]) {
        const { page } = await openPage(browser, { html }, width);
        const file = join(to, `${kind}-${width}.png`);
        await page.screenshot({ path: file, fullPage: true });
        await page.context().close();
        process.stdout.write(`${file}\n`);
      }
    }
  } finally {
    await browser.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`screenshots failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
