/**
 * Mailbox-derived text on the status pages stays text: ids, addresses and tenant names from the configuration and
 * check summaries, fixes and server replies from the store are rendered, parsed back with a real HTML parser
 * (parse5, as a browser builds the tree), and the tree must hold no element, attribute or link they could have
 * made — while the hostile text itself is still there for the admin to read.
 */
import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { seedConfigDocument, seedMailboxRefs, seedStatusHistory } from '../../lab/status-seed.js';
import { parseConfig } from '../../src/shared/config/load.js';
import { functionLinks, statusPage } from '../../src/shared/cycle/status.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const ID = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
const ADDRESS = `x@y.example' onmouseover='alert(3)`;
const TENANT = `</table></section><iframe src="//evil.example"></iframe><!--`;
const SUMMARY = `IMAP said: <svg onload=alert(4)><style>body{display:none}</style> & ]]> <base href="//evil.example/"> see https://evil.example/login`;
const FIX = `<a href="javascript:alert(5)">click here</a> <meta http-equiv="refresh" content="0;url=//evil.example">`;

interface Node {
  nodeName: string;
  tagName?: string;
  attrs?: Array<{ name: string; value: string }>;
  childNodes?: Node[];
  content?: Node;
  value?: string;
}

function walk(n: Node, out: Node[] = []): Node[] {
  out.push(n);
  for (const c of n.childNodes ?? []) walk(c, out);
  if (n.content) walk(n.content, out);
  return out;
}

/** What the parsed page holds: element names, attributes, link targets and all text. */
function inspect(html: string) {
  const nodes = walk(parse(html) as unknown as Node);
  const elements = nodes.filter((n) => n.tagName);
  return {
    tags: new Set(elements.map((e) => e.tagName!)),
    attrs: elements.flatMap((e) => (e.attrs ?? []).map((a) => ({ tag: e.tagName!, ...a }))),
    hrefs: elements.flatMap((e) => (e.attrs ?? []).filter((a) => a.name === 'href').map((a) => a.value)),
    styles: elements.filter((e) => e.tagName === 'style').length,
    metas: elements.filter((e) => e.tagName === 'meta').length,
    text: nodes
      .filter((n) => n.nodeName === '#text')
      .map((n) => n.value)
      .join(' '),
  };
}

const ALLOWED_TAGS = new Set(
  'html head meta title style body header h1 h2 p main nav a span section table thead tbody tr th td ul li abbr b i dl dt dd div figure figcaption svg rect title path circle line details summary'.split(
    ' ',
  ),
);

const ALLOWED_ATTRS = new Set(
  'lang charset http-equiv content name class href aria-label aria-current role title viewBox width height x y rx fill d stroke stroke-width stroke-linejoin stroke-dasharray vector-effect preserveAspectRatio cx cy r x1 x2 y1 y2 scope data-label style id rel'.split(
    ' ',
  ),
);

function expectInert(html: string) {
  const p = inspect(html);
  expect([...p.tags].filter((t) => !ALLOWED_TAGS.has(t))).toEqual([]);
  expect(p.attrs.filter((a) => /^on/i.test(a.name))).toEqual([]);
  expect([...new Set(p.attrs.map((a) => a.name))].filter((n) => !ALLOWED_ATTRS.has(n))).toEqual([]);
  // Text attributes (aria-label, title) may quote the hostile text; URL-bearing and style ones may not.
  const risky = p.attrs.filter((a) => ['href', 'style', 'content'].includes(a.name));
  expect(risky.filter((a) => /javascript:|evil\.example|[<>"]|url\(/i.test(a.value))).toEqual([]);
  for (const h of p.hrefs) expect(h).toMatch(/^\/api\/status(\/[^"<>\s#]*)?(\?[^"<>\s#]*)?(#tenant-\d+)?$/);
  // Ids and link relations are ours alone: a tenant's anchor is its position, never its name.
  for (const a of p.attrs.filter((x) => x.name === 'id')) expect(a.value).toMatch(/^tenant-\d+$/);
  for (const a of p.attrs.filter((x) => x.name === 'rel')) expect(a.value).toMatch(/^(prev|next)$/);
  expect(p.styles).toBe(1); // ours, in the head
  expect(p.metas).toBe(4); // charset, CSP, viewport, referrer
  return p;
}

describe('hostile mailbox ids, addresses, tenants and server texts on the status pages', () => {
  async function setup() {
    const refs = seedMailboxRefs(3);
    const parsed = parseConfig(seedConfigDocument(refs), 'seeded').config;
    const evil = { ...parsed.mailboxes[0]!, id: ID, address: ADDRESS, tenantId: TENANT };
    const config = { mailboxes: [evil, ...parsed.mailboxes.slice(1)] };
    const store = createMemoryStore();
    await seedStatusHistory(store, [{ id: ID, address: ADDRESS, tenantId: TENANT }, ...refs.slice(1)], {
      now: NOW,
      intervalMinutes: 120,
    });
    const row = (await store.status.get(ID, 'inbox'))!.value;
    await store.status.upsert(ID, 'inbox', {
      ...row,
      status: 'CRIT',
      result: { ...row.result, status: 'CRIT', summary: SUMMARY, remediation: { cause: SUMMARY, fix: FIX } },
    });
    return { config, store };
  }

  it('the overview shows them as text and nothing else', async () => {
    const { config, store } = await setup();
    const out = await statusPage(config, store, NOW, { links: functionLinks(`k"ey<script>`) });
    const p = expectInert(out.html);
    expect(p.text).toContain(ID);
    expect(p.text).toContain(ADDRESS);
    expect(p.text).toContain(TENANT.slice(0, 60));
    // The mailbox link keeps the hostile id inside one path segment, and the function key inside its parameter.
    const link = p.hrefs.find((h) => h.startsWith('/api/status/'))!;
    const url = new URL(link, 'https://app.example');
    expect(decodeURIComponent(url.pathname.slice('/api/status/'.length))).toBe(ID);
    expect(url.searchParams.get('code')).toBe(`k"ey<script>`);
  });

  it('the paged overview lists the hostile tenant as text, linked by page number and position', async () => {
    const { config, store } = await setup();
    for (const page of ['1', '2', '3']) {
      const out = await statusPage(config, store, NOW, { links: functionLinks(), pageSize: 1, page });
      const p = expectInert(out.html);
      expect(p.text).toContain(TENANT.slice(0, 60));
      expect(p.text.replace(/\s+/g, ' ')).toContain(`Page ${page} of 3`);
      // One link per tenant (the hostile one and tenant01), to a page number and a position.
      expect(p.hrefs.filter((h) => /^\/api\/status(\?page=\d+)?#tenant-\d+$/.test(h))).toHaveLength(2);
    }
  });

  it("the mailbox page shows the server's text and the fix as text, URLs defanged", async () => {
    const { config, store } = await setup();
    const out = await statusPage(config, store, NOW, { mailbox: ID, links: functionLinks() });
    expect(out.status).toBe(200);
    const p = expectInert(out.html);
    expect(p.text).toContain('IMAP said: <svg onload=alert(4)><style>body{display:none}</style> & ]]>');
    // Shown as text, and the script scheme defanged like every URL in server text (report/escape.ts).
    expect(p.text).toContain('<a href="javascript[:]alert(5)">click here</a>');
    expect(p.text).not.toContain('javascript:');
    expect(p.text).toContain('see https[:]//evil.example/login'); // readable, not a link anyone clicks
    expect(p.text).toContain(ID);
  });

  it('an unknown mailbox is a 404 that does not echo the id', async () => {
    const { config, store } = await setup();
    const out = await statusPage(config, store, NOW, { mailbox: '<b>nope</b>', links: functionLinks() });
    expect(out.status).toBe(404);
    expectInert(out.html);
    expect(out.html).not.toContain('nope');
  });
});
