/**
 * `mailbox-health status --config FILE --out status.html`: the status pages from the configured state store, as
 * files — the overview at `--out`, one file per status filter beside it (`status-crit.html`, …) and one per
 * mailbox in a folder named after it (`status/<id>.html`). The same renderer as the Function App's
 * `/api/status`; links point at the files, so the set can be opened from disk or copied to any web server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigError, createSecretResolver, loadConfigFile, type Config } from '../shared/config/index.js';
import { statusPage } from '../shared/cycle/status.js';
import { STATUS_FILTERS, type StatusFilter, type StatusLinks } from '../shared/report/status-layout.js';
import { closeStateStore, createStateStore } from '../shared/state/factory.js';
import type { StateStore } from '../shared/state/ports.js';
import { parseArgs, UsageError, type CliIo } from './args.js';

export const STATUS_USAGE = 'usage: mailbox-health status --config FILE --out FILE.html';

/** The files of one rendering: the overview's stem names the filter files and the mailbox folder. */
export function fileLinks(out: string): { overview: StatusLinks; mailbox: StatusLinks; stem: string } {
  const stem = basename(out, extname(out)) || 'status';
  const overviewFile = (f?: StatusFilter) => (f ? `${stem}-${f.toLowerCase()}.html` : `${stem}.html`);
  // Mailbox ids are [a-z0-9-] (validated config), so they are file names as they are; encoded all the same.
  const mailboxFile = (id: string) => `${encodeURIComponent(id)}.html`;
  return {
    stem,
    overview: { overview: overviewFile, mailbox: (id) => `${stem}/${mailboxFile(id)}` },
    mailbox: { overview: (f) => `../${overviewFile(f)}`, mailbox: mailboxFile },
  };
}

export interface StatusCommandOptions {
  /** Replaces the store the configuration names (tests). */
  store?: StateStore;
  clock?: Clock;
}

/** Writes the pages; returns the files written (overview first). */
export async function writeStatusPages(
  config: Pick<Config, 'mailboxes'>,
  store: StateStore,
  now: Date,
  out: string,
): Promise<string[]> {
  const links = fileLinks(out);
  const dir = dirname(resolve(out));
  mkdirSync(join(dir, links.stem), { recursive: true });
  const written: string[] = [];
  const write = (file: string, html: string) => {
    writeFileSync(file, html);
    written.push(file);
  };
  for (const f of [undefined, ...STATUS_FILTERS]) {
    // One file per filter with every mailbox: the files have no `?page=` to follow.
    const page = await statusPage(config, store, now, {
      filter: f ?? null,
      links: links.overview,
      pageSize: Infinity,
    });
    write(join(dir, links.overview.overview(f)), page.html);
  }
  for (const m of config.mailboxes) {
    const page = await statusPage(config, store, now, { mailbox: m.id, links: links.mailbox });
    write(join(dir, links.overview.mailbox(m.id)), page.html);
  }
  return written;
}

export async function statusCommand(
  argv: readonly string[],
  io: CliIo,
  opts: StatusCommandOptions = {},
): Promise<number> {
  let config: Config;
  let out: string;
  try {
    const args = parseArgs(argv, { values: ['config', 'out'], flags: ['help'] });
    if (args.flags.has('help')) {
      io.stdout(STATUS_USAGE);
      return 0;
    }
    const file = args.values.config;
    if (!file) throw new UsageError('--config FILE is required');
    out = args.values.out ?? '';
    if (!out) throw new UsageError('--out FILE.html is required');
    if (!/\.html?$/i.test(out)) throw new UsageError('--out: expected a file name ending in .html');
    const loaded = loadConfigFile(file);
    config = loaded.config;
    for (const w of loaded.warnings) io.stderr(`warning: ${w}`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`mailbox-health status: ${err.message}`);
      io.stderr(STATUS_USAGE);
      return 3;
    }
    if (err instanceof ConfigError) {
      io.stderr(err.message);
      return 3;
    }
    throw err;
  }
  if (!opts.store && config.state.tables === 'memory')
    io.stderr(
      'warning: state.tables is "memory": this process has recorded nothing, so every mailbox shows "No data" (name the Table Storage account the Function App writes to)',
    );
  let store: StateStore;
  try {
    store =
      opts.store ??
      (await createStateStore(config.state.tables, createSecretResolver(io.env), {
        ...(io.env.AZURE_CLIENT_ID ? { managedIdentityClientId: io.env.AZURE_CLIENT_ID } : {}),
      }));
  } catch (err) {
    // A directory store held by a running check, say: the reason, not a stack trace.
    io.stderr(`mailbox-health status: state store (state.tables): ${(err as Error).message}`);
    return 3;
  }
  let files: string[];
  try {
    files = await writeStatusPages(config, store, (opts.clock ?? systemClock).now(), out);
  } finally {
    if (!opts.store) closeStateStore(store);
  }
  io.stdout(`wrote ${files[0]} (and ${files.length - 1} more: status filters and one page per mailbox)`);
  return 0;
}
