/**
 * An MSP's overview comes in pages of whole tenants (`?page=N`, plain links): every mailbox is on exactly one page,
 * a tenant is only cut when it is bigger than a page, the tenant list links each tenant to its page, and the status
 * filter pages the same way. Pages are fetched through the status function's handler and read with parse5.
 */
import azureFunctions from '@azure/functions';
import { parse } from 'parse5';
import { beforeAll, describe, expect, it } from 'vitest';
import { invocation } from '../../lab/demo-harness.js';
import { seedConfigDocument, seedMailboxRefs, seedStatusHistory } from '../../lab/status-seed.js';
import { makeStatus } from '../../src/functions/status.js';
import { ManualClock } from '../../src/shared/clock.js';
import { parseConfig } from '../../src/shared/config/load.js';
import type { MailboxRef } from '../../src/shared/history/read.js';
import { PAGE_ROWS } from '../../src/shared/report/status-page.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const BIG = 'big.example';

interface Node {
  nodeName: string;
  tagName?: string;
  attrs?: Array<{ name: string; value: string }>;
  childNodes?: Node[];
  value?: string;
}

const walk = (n: Node, out: Node[] = []): Node[] => {
  out.push(n);
  for (const c of n.childNodes ?? []) walk(c, out);
  return out;
};
const attr = (n: Node, name: string) => n.attrs?.find((a) => a.name === name)?.value;
const text = (n: Node): string =>
  walk(n).reduce((s, x) => s + (x.nodeName === '#text' ? (x.value ?? '') : ''), '');

/** The parts of an overview page the reader navigates by. */
function read(html: string) {
  const nodes = walk(parse(html) as unknown as Node);
  const sections = nodes
    .filter((n) => n.tagName === 'section')
    .map((s) => ({
      id: attr(s, 'id')!,
      tenant: attr(s, 'aria-label')!.replace(/^Tenant /, ''),
      heading: text(walk(s).find((n) => n.tagName === 'h2')!).replace(/\s+/g, ' '),
      mailboxes: walk(s)
        .filter((n) => n.tagName === 'td' && attr(n, 'class') === 'mb')
        .map((td) => text(walk(td).find((n) => n.tagName === 'a')!)),
    }));
  const links = nodes
    .filter((n) => n.tagName === 'a')
    .map((a) => ({ href: attr(a, 'href')!, text: text(a) }));
  const tenantLinks = nodes
    .filter((n) => n.tagName === 'ul' && attr(n, 'class') === 'tenants')
    .flatMap((ul) => walk(ul).filter((n) => n.tagName === 'a'))
    .map((a) => ({ href: attr(a, 'href')!, tenant: text(a) }));
  return { sections, links, tenantLinks, rows: sections.flatMap((s) => s.mailboxes) };
}

describe('status overview pages', () => {
  let get: (query: string) => Promise<string>;
  let refs: MailboxRef[];
  beforeAll(async () => {
    // Nine tenants of 11–12 mailboxes and one of 130, bigger than a page.
    const big = Array.from({ length: 130 }, (_, i) => ({
      id: `big-${String(i + 1).padStart(3, '0')}`,
      address: `big-${i + 1}@${BIG}`,
      tenantId: BIG,
    }));
    refs = [...seedMailboxRefs(100, 9), ...big];
    const store = createMemoryStore();
    await seedStatusHistory(store, refs, { now: NOW, intervalMinutes: 360 });
    const config = parseConfig(seedConfigDocument(refs), 'seeded').config;
    const handler = makeStatus(async () => ({ config, store, clock: new ManualClock(NOW) }));
    get = async (query) => {
      const request = new azureFunctions.HttpRequest({
        method: 'GET',
        url: `http://127.0.0.1/api/status${query}`,
      });
      const out = await handler(request, invocation('status'));
      expect(out.status).toBe(200);
      return out.body as string;
    };
  }, 60_000);

  it('puts every mailbox on exactly one page, whole tenants unless one is bigger than a page', async () => {
    const first = read(await get(''));
    const next = (p: ReturnType<typeof read>) => p.links.find((l) => l.text.includes('next'))?.href;
    const pages = [first];
    for (let href = next(first); href; href = next(pages[pages.length - 1]!))
      pages.push(read(await get(href.slice(href.indexOf('?')))));
    expect(pages.length).toBeGreaterThan(2);
    for (const p of pages) expect(p.rows.length).toBeLessThanOrEqual(PAGE_ROWS);
    const all = pages.flatMap((p) => p.rows);
    expect(all.sort()).toEqual(refs.map((r) => r.id).sort());
    // Small tenants are never cut; the big one is, and its headings say which part is where.
    const parts = pages.flatMap((p) => p.sections);
    for (const t of new Set(parts.map((s) => s.tenant)))
      expect(parts.filter((s) => s.tenant === t).length, t).toBe(t === BIG ? 2 : 1);
    expect(parts.filter((s) => s.tenant === BIG).map((s) => s.heading.match(/\d+–\d+ of 130/)?.[0])).toEqual([
      '1–100 of 130',
      '101–130 of 130',
    ]);
  });

  it('links each tenant to the page that shows it; out-of-range pages show the nearest', async () => {
    const first = read(await get(''));
    expect(first.tenantLinks.map((l) => l.tenant).sort()).toEqual(
      [...new Set(refs.map((r) => r.tenantId))].sort(),
    );
    for (const l of first.tenantLinks) {
      const [path, anchor] = l.href.split('#');
      const page = read(await get(path!.includes('?') ? path!.slice(path!.indexOf('?')) : ''));
      expect(page.sections.find((s) => s.id === anchor)?.tenant, l.href).toBe(l.tenant);
    }
    const last = read(await get('?page=99999'));
    expect(last.links.some((l) => l.text.includes('next'))).toBe(false);
    expect(last.links.some((l) => l.text.includes('previous'))).toBe(true);
    expect(read(await get('?page=-1%22%3E')).rows).toEqual(first.rows);
  });

  it('pages the filtered overview, and a short one has no page links', async () => {
    const crit = read(await get('?status=CRIT'));
    const expected = refs.filter((_, i) => i % 17 === 3).length;
    expect(crit.rows).toHaveLength(expected);
    expect(crit.tenantLinks).toEqual([]);
    expect(crit.links.some((l) => /[?&]page=/.test(l.href))).toBe(false);
    const ok = read(await get('?status=OK'));
    const okNext = ok.links.find((l) => l.text.includes('next'))!.href;
    expect(okNext).toMatch(/status=OK&page=2/);
    const second = read(await get(okNext.slice(okNext.indexOf('?'))));
    expect(second.rows.length).toBeGreaterThan(0);
    expect(second.rows.some((id) => ok.rows.includes(id))).toBe(false);
  });
});
