import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  browserUnavailable,
  hasHorizontalScroll,
  launchBrowser,
  openPage,
  runAxe,
  seriousViolations,
} from './browser.js';

const skip = browserUnavailable();

describe.skipIf(skip !== null)('browser helper (Debian chromium via playwright-core)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('finds an unlabelled image with axe and a too-wide table as horizontal scroll', async () => {
    const html =
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>' +
      '<body><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><div style="width:2000px">wide</div></main></body></html>';
    const { page, errors } = await openPage(browser, { html }, 600);
    expect(await hasHorizontalScroll(page)).toBe(true);
    const serious = seriousViolations(await runAxe(page));
    expect(serious.map((v) => v.id)).toContain('image-alt');
    expect(errors).toEqual([]);
  }, 30_000);

  it('passes a plain accessible page', async () => {
    const html =
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body><main><h1>Hi</h1></main></body></html>';
    const { page } = await openPage(browser, { html }, 375);
    expect(await hasHorizontalScroll(page)).toBe(false);
    expect(seriousViolations(await runAxe(page))).toEqual([]);
  }, 30_000);
});
