/**
 * The status page at MSP scale: 500 mailboxes with 30 days of history in Azurite (the lab's Table Storage), the
 * overview rendered by the same code the `status` function runs, timed end to end (queries + rendering), beside
 * the same from the in-memory store (rendering and folding without I/O). Also one mailbox's page. Reports the
 * history query cost: requests, entities and bytes read. Not a test: nothing is asserted.
 */
import { randomBytes } from 'node:crypto';
import { seedMailboxRefs, seedStatusHistory } from '../lab/status-seed.js';
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
    '  page                          store     wall ms  history queries  entities  bytes read   HTML bytes',
  );
  for (const [label, mailbox] of [
    ['overview (500 mailboxes)', undefined],
    ['one mailbox', refs[3]!.id],
  ] as const) {
    for (const [name, base] of [
      ['Azurite', table],
      ['memory', memory],
    ] as const) {
      // One warm-up (a warm Function App has its clients and modules loaded), then the measured run.
      await statusPage(config, base, now, { ...(mailbox ? { mailbox } : {}), links: functionLinks() });
      const { store, c } = counting(base);
      const [out, ms] = await time(() =>
        statusPage(config, store, now, { ...(mailbox ? { mailbox } : {}), links: functionLinks() }),
      );
      say(
        `  ${label.padEnd(29)} ${name.padEnd(8)} ${ms.toFixed(0).padStart(8)} ${String(c.queries).padStart(16)} ${String(c.entities).padStart(9)} ${String(c.bytes).padStart(11)} ${String(out.html.length).padStart(12)}`,
      );
    }
  }
}
