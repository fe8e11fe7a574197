/**
 * The status page at MSP scale: 500 mailboxes with 30 days of history in Azurite (the lab's Table Storage), the
 * overview rendered by the same code the `status` function runs, timed end to end (queries + rendering), beside
 * the same from the in-memory store (rendering and folding without I/O): the function's first overview page, all
 * 500 on one page (the CLI's file), the overview as it was read before the summary rows (every mailbox's day
 * rows), and one mailbox's page. Reports the history query cost (requests, entities and bytes read) and what
 * keeping the history costs a run. Not a test: nothing is asserted.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { quietProfile, seedMailboxRefs, seedStatusHistory, simulatedRun } from '../lab/status-seed.js';
import { dayKey, HISTORY_DAYS, windowDays } from '../src/shared/history/keys.js';
import { summarize, type MailboxOverview } from '../src/shared/history/read.js';
import { recordHistory } from '../src/shared/history/record.js';
import { renderStatusPage } from '../src/shared/report/status-page.js';
import { statusPage, functionLinks } from '../src/shared/cycle/status.js';
import type { MailboxConfig } from '../src/shared/config/load.js';
import { parseConfig } from '../src/shared/config/load.js';
import { createMemoryStore } from '../src/shared/state/memory-store.js';
import type { StateStore, Stored } from '../src/shared/state/ports.js';
import { createTableStoreFromConnectionString } from '../src/shared/state/table-store.js';
import { seedConfigDocument } from '../lab/status-seed.js';
import { LAB_ENV, type LabEndpoints } from '../lab/endpoints.js';

const MAILBOXES = 500;

/** Counts the history reads (range queries, partition lists, point reads) and what they returned. */
function counting(store: StateStore) {
  const c = { queries: 0, entities: 0, bytes: 0 };
  const h = store.history;
  const count = <R extends Array<Stored<unknown>>>(rows: R): R => {
    c.queries += 1;
    c.entities += rows.length;
    c.bytes += rows.reduce((n, r) => n + JSON.stringify(r.value).length, 0);
    return rows;
  };
  const wrapped: StateStore = {
    ...store,
    history: Object.assign(Object.create(h) as typeof h, {
      range: async (...a: Parameters<typeof h.range>) => count(await h.range(...a)),
      list: async (...a: Parameters<typeof h.list>) => count(await h.list(...a)),
      get: async (...a: Parameters<typeof h.get>) => {
        const row = await h.get(...a);
        count(row ? [row] : []);
        return row;
      },
    }),
  };
  return { store: wrapped, c };
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

export async function benchStatusPage(): Promise<void> {
  const endpoints = JSON.parse(process.env[LAB_ENV] ?? '{}') as LabEndpoints;
  if (!endpoints.azurite) throw new Error('status-page bench: the lab has no Azurite');
  const refs = seedMailboxRefs(MAILBOXES, 40);
  const config: { mailboxes: MailboxConfig[] } = parseConfig(seedConfigDocument(refs), 'bench').config;
  const now = new Date();
  const table = createTableStoreFromConnectionString(endpoints.azurite.connectionString, {
    prefix: `b${randomBytes(4).toString('hex')}`,
  });
  await table.ensureTables();
  const memory = createMemoryStore();
  const [, seedMs] = await time(() => seedStatusHistory(table, refs, { now, intervalMinutes: 60 }));
  await seedStatusHistory(memory, refs, { now, intervalMinutes: 60 });
  const say = (s: string) => process.stdout.write(s + '\n');
  say(
    `\nstatus-page: ${MAILBOXES} mailboxes, 30 days of history (seeded into Azurite in ${(seedMs / 1000).toFixed(1)} s)`,
  );
  say(
    '  page                               store     wall ms  history queries  entities  bytes read   HTML bytes',
  );
  const links = functionLinks();
  const pages: Array<[string, (st: StateStore) => Promise<{ html: string }>]> = [
    ['overview, page 1 of the function', (st) => statusPage(config, st, now, { links })],
    ['overview, all 500 on one page', (st) => statusPage(config, st, now, { links, pageSize: Infinity })],
    ['overview from day rows (former)', (st) => formerOverview(config.mailboxes, st, now)],
    ['one mailbox', (st) => statusPage(config, st, now, { mailbox: refs[3]!.id, links })],
  ];
  for (const [label, render] of pages) {
    for (const [name, base] of [
      ['Azurite', table],
      ['memory', memory],
    ] as const) {
      // One warm-up (a warm Function App has its clients and modules loaded), then the measured run.
      await render(base);
      const { store, c } = counting(base);
      const [out, ms] = await time(() => render(store));
      say(
        `  ${label.padEnd(34)} ${name.padEnd(8)} ${ms.toFixed(0).padStart(8)} ${String(c.queries).padStart(16)} ${String(c.entities).padStart(9)} ${String(c.bytes).padStart(11)} ${String(out.html.length).padStart(12)}`,
      );
    }
  }
  // What keeping the history costs each run: the next run of 50 mailboxes, one after another, into Azurite.
  const calls = new Map<string, number>();
  const h = table.history;
  const spied: StateStore = {
    ...table,
    history: new Proxy(h, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }),
  };
  const next = new Date(now.getTime() + 5 * 60_000);
  const sample = refs.slice(0, 50);
  const [, runMs] = await time(async () => {
    for (const m of sample)
      await recordHistory(spied, m.id, simulatedRun(m, quietProfile(), next.getTime(), next.getTime()), next);
  });
  say(
    `  history write per run (Azurite, 50 runs): ${(runMs / sample.length).toFixed(1)} ms; requests per run: ${[
      ...calls,
    ]
      .map(([k, n]) => `${k} ${n / sample.length}`)
      .join(', ')}`,
  );
  say(
    `  load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

/** The overview as read before the summary rows: one range query per mailbox over its day rows, 16 at a time. */
async function formerOverview(
  mailboxes: readonly MailboxConfig[],
  store: StateStore,
  now: Date,
): Promise<{ html: string }> {
  const days = windowDays(now);
  const out: MailboxOverview[] = new Array<MailboxOverview>(mailboxes.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < mailboxes.length) {
        const i = next++;
        const m = mailboxes[i]!;
        const rows = await store.history.range(m.id, {
          from: dayKey(days[days.length - 1]!),
          to: dayKey(days[0]!) + '~',
          limit: HISTORY_DAYS,
        });
        const dayRows = rows.flatMap((r) => (r.value.kind === 'day' ? [r.value] : [])).reverse();
        out[i] = summarize(m, dayRows, now);
      }
    }),
  );
  return { html: renderStatusPage({ mailboxes: out, now, links: functionLinks() }) };
}
