/**
 * Benchmark 2 — the sent-quota ledger. Sent Items in the lab's Dovecot holds N messages from the last 24 h
 * (seeded through the lab's control API). Side A: the first run of the real `sentQuotaCheck` with no watermark —
 * the full 24 h recount. Side B: the next run after 10 new messages — the incremental scan from the watermark.
 * Printed per state store (memory, and the Table store on the lab's Azurite): check time and IMAP bytes received
 * (imapflow's byte counters, reset after login), each as a median of R rounds, and the ratio recount/incremental.
 * Each round starts from an empty store, so every recount really recounts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ImapFlow } from 'imapflow';
import type { SeedMessage } from '../lab/client.js';
import { sentQuotaCheck } from '../src/shared/checks/sent-quota.js';
import type { CheckResult } from '../src/shared/contracts.js';
import type { MailboxConfig } from '../src/shared/config/index.js';
import { createMemoryStore } from '../src/shared/state/memory-store.js';
import type { StateStore } from '../src/shared/state/ports.js';
import { createTableStoreFromConnectionString } from '../src/shared/state/table-store.js';
import {
  checkContextOver,
  benchEndpoints,
  benchLab,
  dovecotOrReason,
  fmtMs,
  mailboxDoc,
  median,
  note,
  parseMailboxes,
  printTable,
  ratio,
} from './bench-lab.js';

const MIN = 60_000;
const CLIENT = 'bbbbbbbb-0000-4000-8000-000000000001';

export interface SentQuotaOptions {
  messages?: number;
  newMessages?: number;
  rounds?: number;
}

/** A sent reply with 3 To, 2 Cc and 1 Bcc: recipients the ledger must count from the header. */
function sentMail(i: number): string {
  const list = (p: string, n: number) => Array.from({ length: n }, (_, k) => `${p}${i}-${k}@example.net`);
  return [
    'From: desk@example.org',
    `To: ${list('to', 3).join(', ')}`,
    `Cc: ${list('cc', 2).join(', ')}`,
    `Bcc: ${list('bcc', 1).join(', ')}`,
    `Subject: Re: [ESM-${30_000 + i}] your request`,
    `Message-ID: <bench-${i}-${randomUUID()}@example.org>`,
    '',
    'Thank you, we are on it.',
    '',
  ].join('\r\n');
}

interface Measured {
  ms: number;
  received: number;
  result: CheckResult;
}

async function measureRun(
  mailbox: MailboxConfig,
  token: string,
  store: StateStore,
  now: Date,
): Promise<Measured> {
  const imap = benchEndpoints().imap!;
  const client = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: true,
    auth: { user: mailbox.address, accessToken: token },
    logger: false,
  });
  await client.connect();
  try {
    // Count only what the check itself reads, not the greeting, capabilities and login.
    client.stats(true);
    const ctx = checkContextOver(client, mailbox, store, now, MIN);
    const t0 = performance.now();
    const result = await sentQuotaCheck(ctx);
    const ms = performance.now() - t0;
    return { ms, received: client.stats().received, result };
  } finally {
    await client.logout().catch(() => undefined);
  }
}

export async function benchSentQuota(opts: SentQuotaOptions = {}): Promise<void> {
  const n = opts.messages ?? 2_000;
  const added = opts.newMessages ?? 10;
  const rounds = opts.rounds ?? 3;
  const e = benchEndpoints();
  const title = `2. Sent-quota ledger: Sent Items with ${n} messages — first 24 h recount vs incremental scan after ${added} new (median of ${rounds})`;
  const why = dovecotOrReason(e);
  if (why) {
    printTable(title, [['skipped'], [why]]);
    return;
  }
  const l = benchLab();
  const tenantId = randomUUID();
  const address = `${l.unique('sender')}@example.org`;
  await l.addTenant(tenantId, ['example.org']);
  // A directly minted token: this benchmark measures the ledger, not the sign-in (benchmark 1 does that).
  const token = await l.imapUser(tenantId, CLIENT, address);
  const mailbox = parseMailboxes([
    mailboxDoc(e, {
      id: 'bench-sender',
      address,
      tenantId,
      clientId: CLIENT,
      auth: { mode: 'password', password: { env: 'UNUSED' } },
    }),
  ])[0]!;
  const now = new Date(Math.floor(Date.now() / MIN) * MIN);
  let seq = 0;
  const seed = async (count: number, spanMs: number) => {
    for (let done = 0; done < count; done += 250) {
      const batch: SeedMessage[] = [];
      for (let i = done; i < Math.min(count, done + 250); i++) {
        const at = new Date(now.getTime() - 2 * MIN - Math.floor(((i + 0.5) / count) * spanMs));
        batch.push({ raw: sentMail(seq++), internalDate: at.toISOString(), flags: ['\\Seen'] });
      }
      await l.seedMessages(address, 'Sent Items', batch);
    }
  };
  const tSeed = performance.now();
  // Spread over the last 23 h so every message is inside the rolling window.
  await seed(n, 23 * 60 * MIN);
  note(`seeded ${n} messages into Dovecot in ${fmtMs(performance.now() - tSeed)} ms`);

  const azurite = e.azurite;
  const stores: Array<[string, () => Promise<StateStore>]> = [['memory', async () => createMemoryStore()]];
  if (azurite)
    stores.push([
      'Azurite tables',
      async () => {
        const s = createTableStoreFromConnectionString(azurite.connectionString, {
          prefix: `b${randomBytes(4).toString('hex')}`,
        });
        await s.ensureTables();
        return s;
      },
    ]);

  const rows: string[][] = [
    [
      'store',
      'recount ms',
      'incremental ms',
      'ratio',
      'recount IMAP B',
      'incremental IMAP B',
      'ratio',
      'counted',
    ],
  ];
  let clock = now.getTime();
  for (const [label, make] of stores) {
    const full: Measured[] = [];
    const inc: Measured[] = [];
    for (let r = 0; r < rounds; r++) {
      const store = await make();
      full.push(await measureRun(mailbox, token, store, new Date(clock)));
      await seed(added, MIN);
      // The new messages arrive "now"; the next run is a minute later, as the check's timer would be.
      clock += MIN;
      inc.push(await measureRun(mailbox, token, store, new Date(clock)));
    }
    const last = (xs: Measured[]) => xs[xs.length - 1]!.result;
    const modes = `${String(last(full).details?.mode)}/${String(last(inc).details?.mode)}`;
    if (modes !== 'recount/incremental') note(`${label}: unexpected modes ${modes} — figures not comparable`);
    const fMs = median(full.map((x) => x.ms));
    const iMs = median(inc.map((x) => x.ms));
    const fB = median(full.map((x) => x.received));
    const iB = median(inc.map((x) => x.received));
    rows.push([
      label,
      fmtMs(fMs),
      fmtMs(iMs),
      ratio(fMs, iMs),
      String(fB),
      String(iB),
      ratio(fB, iB),
      `${String(last(full).metrics.newMessages)}/${String(last(inc).metrics.newMessages)}`,
    ]);
  }
  printTable(title, rows);
  note('counted = messages the recount / the incremental run added to the ledger (last round)');
}
