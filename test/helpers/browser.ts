/**
 * Debian's Chromium driven by playwright-core (no browser download): one browser per test file, pages opened from
 * HTML strings or URLs, every network request and console message recorded, axe-core injected on demand.
 * CI installs `chromium`; elsewhere tests that need it fail under `CI=true` and are skipped with a message otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser binary, or null when none is installed. `CHROMIUM_PATH` overrides the search. */
export function chromiumPath(): string | null {
  const forced = process.env.CHROMIUM_PATH;
  if (forced) return existsSync(forced) ? forced : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Why browser tests cannot run here, or null when they can. Under CI a missing browser is a failure, not a skip. */
export function browserUnavailable(): string | null {
  if (chromiumPath()) return null;
  const why = 'Chromium is not installed (apt-get install chromium)';
  if (process.env.CI === 'true') throw new Error(`${why}: CI must run the browser tests`);
  return why;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium is not installed (apt-get install chromium)');
  return chromium.launch({
    executablePath,
    headless: true,
    // The sandbox needs user namespaces that containers and root sessions often lack.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export interface OpenedPage {
  page: Page;
  /** Every request the page made, in order (URLs). */
  requests: string[];
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
}

/** Opens a page at `width` px; `target` is a URL (http:, file:) or an HTML document given as a string. */
export async function openPage(
  browser: Browser,
  target: { url: string } | { html: string },
  width = 1280,
): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: true });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  if ('url' in target) await page.goto(target.url, { waitUntil: 'load' });
  else await page.setContent(target.html, { waitUntil: 'load' });
  return { page, requests, errors };
}

/** True when the document is wider than the viewport (the reader would have to scroll sideways). */
export async function hasHorizontalScroll(page: Page): Promise<boolean> {
  // The callback runs in the page; the project compiles without DOM types, hence the string.
  return page.evaluate('document.documentElement.scrollWidth > window.innerWidth + 1') as Promise<boolean>;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

const axeSource = (() => {
  let cached: string | null = null;
  return () =>
    (cached ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
})();

/**
 * Runs axe-core in the page. The script is added through the DevTools protocol, so a page's strict CSP does not
 * stop it and the page itself still carries no script.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource());
  const result = (await page.evaluate('axe.run(document)')) as {
    violations: { id: string; impact: string | null; help: string; nodes: unknown[] }[];
  };
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
}

/** The violations a reader would notice: axe's `serious` and `critical`. */
export function seriousViolations(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The text a reader sees (no hidden preheader, no <style>), as the browser lays it out. */
export async function visibleText(page: Page): Promise<string> {
  return page.evaluate('document.body.innerText') as Promise<string>;
}

export interface TextContrast {
  text: string;
  color: string;
  background: string;
  ratio: number;
}

/**
 * The contrast ratio (WCAG 2.1 relative luminance) of every visible text node against the first opaque background
 * behind it, computed from the styles the browser resolved (inline styles, `bgcolor`, media queries).
 */
export async function textContrasts(page: Page): Promise<TextContrast[]> {
  return page.evaluate(`(() => {
    const parse = (c) => {
      const m = /rgba?\\(([^)]+)\\)/.exec(c);
      if (!m) return null;
      const p = m[1].split(/[\\s,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const lum = (c) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const backgroundOf = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const s = getComputedStyle(e).backgroundColor;
        const c = parse(s);
        if (c && c.a > 0) return { c, s };
      }
      return { c: { r: 255, g: 255, b: 255, a: 1 }, s: 'rgb(255, 255, 255) (canvas)' };
    };
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      const el = n.parentElement;
      if (!text || !el || el.getClientRects().length === 0) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      const fg = parse(style.color);
      const bg = backgroundOf(el);
      const a = lum(fg), b = lum(bg.c);
      out.push({ text: text.slice(0, 60), color: style.color, background: bg.s,
        ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) });
    }
    return out;
  })()`) as Promise<TextContrast[]>;
}
