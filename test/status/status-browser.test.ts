/**
 * The status pages in Debian's Chromium, served by the status function's handler from a store holding 30 days of
 * seeded history for 50 mailboxes: no console error, no request but the page itself, no serious or critical axe
 * violation, no sideways scrolling on a phone; screenshots at 1280 and 375 px go to test-output/status/. With more
 * than a page of mailboxes, the tenant list leads to the second page under the same rules.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConfigDocument, seedMailboxRefs, seedStatusHistory } from '../../lab/status-seed.js';
import { ManualClock } from '../../src/shared/clock.js';
import { parseConfig } from '../../src/shared/config/load.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import {
  browserUnavailable,
  hasHorizontalScroll,
  launchBrowser,
  openPage,
  runAxe,
  seriousViolations,
} from '../helpers/browser.js';
import { serveStatus, type StatusServer } from './serve-status.js';

const skip = browserUnavailable();
const OUT = join(process.cwd(), 'test-output', 'status');
const NOW = new Date('2026-12-01T10:00:00Z');

describe.skipIf(skip !== null)('status pages in Chromium (50 mailboxes, 30 days)', () => {
  let browser: Browser;
  let server: StatusServer;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const refs = seedMailboxRefs(50);
    const store = createMemoryStore();
    await seedStatusHistory(store, refs, { now: NOW, intervalMinutes: 30 });
    const config = parseConfig(seedConfigDocument(refs), 'seeded').config;
    server = await serveStatus(config, store, new ManualClock(NOW));
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const width of [1280, 375]) {
    it(`overview at ${width} px: clean console, one request, accessible, fits`, async () => {
      const url = `${server.url}/api/status`;
      const { page, requests, errors } = await openPage(browser, { url }, width);
      expect(await page.locator('table.list tbody tr').count()).toBe(50);
      expect(await page.locator('h2', { hasText: 'Tenant tenant01.example' }).count()).toBe(1);
      expect(await page.locator('svg.bar rect').count()).toBe(50 * 30);
      await page.screenshot({ path: join(OUT, `overview-${width}.png`), fullPage: true });
      expect(requests).toEqual([url]);
      expect(errors).toEqual([]);
      expect(seriousViolations(await runAxe(page))).toEqual([]);
      expect(await hasHorizontalScroll(page)).toBe(false);
      await page.context().close();
    }, 180_000);

    it(`a critical mailbox's page at ${width} px, reached by its link`, async () => {
      const url = `${server.url}/api/status?status=CRIT`;
      const { page, requests, errors } = await openPage(browser, { url }, width);
      const rows = page.locator('table.list tbody tr');
      expect(await rows.count()).toBeGreaterThan(0);
      expect(await page.locator('nav.filters a[aria-current=page]').innerText()).toMatch(/^Critical/);
      await page.locator('td.mb a', { hasText: 'desk-004' }).click();
      await page.waitForLoadState('load');
      expect(page.url()).toBe(`${server.url}/api/status/desk-004`);
      expect(await page.locator('h1').innerText()).toBe('desk-004');
      expect(await page.locator('figure.chart svg path').count()).toBe(3);
      expect(await page.getByText('Open alerts').count()).toBe(1);
      expect(await page.locator('h2', { hasText: 'Last 50 runs' }).count()).toBe(1);
      await page.screenshot({ path: join(OUT, `mailbox-${width}.png`), fullPage: true });
      expect(requests).toEqual([url, `${server.url}/api/status/desk-004`]);
      expect(errors).toEqual([]);
      expect(seriousViolations(await runAxe(page))).toEqual([]);
      expect(await hasHorizontalScroll(page)).toBe(false);
      await page.context().close();
    }, 180_000);
  }
});

describe.skipIf(skip !== null)('status overview pages in Chromium (130 mailboxes, 12 tenants)', () => {
  let browser: Browser;
  let server: StatusServer;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const refs = seedMailboxRefs(130, 12);
    const store = createMemoryStore();
    await seedStatusHistory(store, refs, { now: NOW, intervalMinutes: 240 });
    const config = parseConfig(seedConfigDocument(refs), 'seeded').config;
    server = await serveStatus(config, store, new ManualClock(NOW));
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('page 2 at 375 px, reached through the tenant list: clean console, accessible, fits', async () => {
    const url = `${server.url}/api/status`;
    const { page, requests, errors } = await openPage(browser, { url }, 375);
    expect(await page.locator('table.list tbody tr').count()).toBeLessThanOrEqual(100);
    await page.locator('nav.pages summary').first().click();
    const last = page.locator('ul.tenants a').last();
    const tenant = await last.innerText();
    await last.click();
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/\/api\/status\?page=2#tenant-\d+$/);
    expect(await page.locator('section h2', { hasText: `Tenant ${tenant}` }).count()).toBe(1);
    expect(await page.locator('nav.pages p').first().innerText()).toMatch(/^Page 2 of 2/);
    await page.locator('nav.pages summary').first().click();
    await page.screenshot({ path: join(OUT, 'overview-page-2-375.png'), fullPage: true });
    expect(requests).toEqual([url, `${server.url}/api/status?page=2`]);
    expect(errors).toEqual([]);
    expect(seriousViolations(await runAxe(page))).toEqual([]);
    expect(await hasHorizontalScroll(page)).toBe(false);
    await page.context().close();
  }, 180_000);
});
