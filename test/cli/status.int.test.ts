/**
 * `mailbox-health status` as deployed (the CLI bundle, package.json `bin`) against the lab's Azurite: it reads
 * the history the runs left in Table Storage and writes the overview, one file per status filter and one per
 * mailbox, every link pointing at a file it wrote.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { seedConfigDocument, seedMailboxRefs, seedStatusHistory } from '../../lab/status-seed.js';
import { createTableStoreFromConnectionString } from '../../src/shared/state/table-store.js';
import { labEndpoints } from '../helpers/lab.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };

function hrefs(html: string): string[] {
  const out: string[] = [];
  const walk = (n: { attrs?: Array<{ name: string; value: string }>; childNodes?: unknown[] }) => {
    for (const a of n.attrs ?? []) if (a.name === 'href') out.push(a.value);
    for (const c of n.childNodes ?? []) walk(c as typeof n);
  };
  walk(parse(html) as unknown as Parameters<typeof walk>[0]);
  return out;
}

describe('mailbox-health status (CLI bundle) from Table Storage', () => {
  it('writes the overview, the filters and one page per mailbox, all linked as files', async () => {
    const conn = labEndpoints().azurite!.connectionString;
    const tag = randomBytes(3).toString('hex');
    const refs = seedMailboxRefs(6, 2).map((r) => ({ ...r, id: `${r.id}-${tag}` }));
    // The CLI reads the tables the Function App writes (no prefix), so the ids are unique to this test.
    const store = createTableStoreFromConnectionString(conn);
    await store.ensureTables();
    await seedStatusHistory(store, refs, { now: new Date(), intervalMinutes: 120 });
    const dir = mkdtempSync(join(tmpdir(), 'mh-status-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify(seedConfigDocument(refs, { connectionString: { env: 'MH_TABLES' } })),
    );
    const out = join(dir, 'site', 'status.html');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [pkg.bin['mailbox-health']!, 'status', '--config', config, '--out', out],
      { env: { ...process.env, MH_TABLES: conn } },
    );
    expect(stdout).toContain(`wrote ${out}`);
    const overview = readFileSync(out, 'utf8');
    for (const r of refs) expect(overview).toContain(`>${r.id}</a>`);
    expect(overview).not.toContain('class="badge b-NONE"'); // every mailbox has a status from its history
    const links = hrefs(overview);
    expect(links).toContain(`status/${refs[3]!.id}.html`);
    expect(links).toContain('status-ok.html');
    for (const l of links) expect(existsSync(resolve(dirname(out), l)), l).toBe(true);
    const mailboxFile = resolve(dirname(out), `status/${refs[3]!.id}.html`);
    const page = readFileSync(mailboxFile, 'utf8');
    expect(page).toContain(`<h1>${refs[3]!.id}</h1>`);
    expect(page).toMatch(/Last 50 runs/);
    for (const l of hrefs(page)) expect(existsSync(resolve(dirname(mailboxFile), l)), l).toBe(true);
  }, 60_000);

  it('exits 3 naming the missing option', async () => {
    const err = await promisify(execFile)(process.execPath, [
      pkg.bin['mailbox-health']!,
      'status',
      '--config',
      'x.json',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 3, stderr: expect.stringContaining('--out FILE.html is required') });
  });
});
