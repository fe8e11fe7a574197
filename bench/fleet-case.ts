/**
 * One side of the fleet benchmark, in a process of its own (its peak RSS is the figure): the deployed Function App
 * bundle loaded as the Functions worker loads it (lab/functions-host.ts), `dispatchChecks` invoked once, its
 * messages taken from the `mailbox-checks` queue on Azurite the way the host's queue trigger takes them (host.json
 * `batchSize` / `newBatchThreshold`), each handed to the bundled `checkMailbox` with the Table store on Azurite.
 * The parent (bench/fleet.ts) prepares the identity and the delay proxies and passes them in FLEET_CASE (JSON).
 * Prints one JSON line: timings, CPU, peak RSS, outcome counts.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { QueueClient } from '@azure/storage-queue';
import { loadFunctionApp } from '../lab/functions-host.js';
import { CHECK_QUEUE } from '../src/shared/cycle/check-run.js';
import { createTableStoreFromConnectionString } from '../src/shared/state/table-store.js';
import { MESSAGE_ENCODING } from '../src/functions/host-settings.js';

export interface FleetCaseInput {
  label: string;
  mailboxes: Array<{ id: string; address: string }>;
  tenantId: string;
  clientId: string;
  /** Where the app connects: the delay proxies (or the lab directly at 0 ms). */
  authorityHost: string;
  imap: { host: string; port: number };
  smtp: { host: string; port: number };
  azurite: string;
  /** Mailbox ids whose Inbox has a message waiting for hours (inbox CRIT expected). */
  waiting: string[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const input = JSON.parse(process.env.FLEET_CASE ?? '') as FleetCaseInput;
  const hostJson = JSON.parse(readFileSync('host.json', 'utf8')) as {
    extensions: { queues: { batchSize: number; newBatchThreshold: number } };
  };
  const { batchSize, newBatchThreshold } = hostJson.extensions.queues;
  const doc = {
    mailboxes: input.mailboxes.map((m) => ({
      id: m.id,
      address: m.address,
      tenantId: input.tenantId,
      clientId: input.clientId,
      auth: { mode: 'clientSecret', clientSecret: { env: 'BENCH_SECRET' } },
      cloud: {
        authorityHost: input.authorityHost,
        imapHost: input.imap.host,
        imapPort: input.imap.port,
        smtpHost: input.smtp.host,
        smtpPort: input.smtp.port,
      },
    })),
    state: { tables: { connectionString: { env: 'BENCH_STORAGE' } } },
  };
  // The app settings the Function App reads; the configuration (~300 kB for 1,000 mailboxes) is set in-process.
  Object.assign(process.env, {
    MAILBOX_HEALTH_CONFIG: JSON.stringify(doc),
    BENCH_STORAGE: input.azurite,
    AzureWebJobsStorage: input.azurite,
    CHECK_SPREAD_SECONDS: '0',
  });
  const queue = new QueueClient(input.azurite, CHECK_QUEUE, { allowInsecureConnection: true } as never);
  await queue.createIfNotExists();

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const app = await loadFunctionApp(JSON.parse(readFileSync('package.json', 'utf8')).main as string);
  const loadedMs = performance.now() - t0;
  await app.invoke('dispatchChecks', { isPastDue: false, schedule: { adjustForDST: false } });
  const dispatchedMs = performance.now() - t0;

  // The host's queue listener: a batch, and the next one once no more than newBatchThreshold are in flight.
  const total = input.mailboxes.length;
  const seen = new Map<string, number>();
  let inFlight = 0;
  let finished = 0;
  let failed = 0;
  let mostInFlight = 0;
  let idle = 0;
  const handlerMs: number[] = [];
  while (finished < total) {
    if (inFlight > newBatchThreshold) {
      await sleep(5);
      continue;
    }
    const { receivedMessageItems } = await queue.receiveMessages({
      numberOfMessages: batchSize,
      visibilityTimeout: 600,
    });
    if (receivedMessageItems.length === 0) {
      // Empty queue: poll again soon (the host backs off up to maxPollingInterval).
      await sleep(Math.min(1000, 20 * 2 ** Math.min(idle++, 6)));
      continue;
    }
    idle = 0;
    for (const item of receivedMessageItems) {
      // Decoded as the host decodes it (host.json `messageEncoding`).
      const text =
        MESSAGE_ENCODING === 'base64'
          ? Buffer.from(item.messageText, 'base64').toString('utf8')
          : item.messageText;
      const body = JSON.parse(text) as {
        mailboxId: string;
      };
      seen.set(body.mailboxId, (seen.get(body.mailboxId) ?? 0) + 1);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      const started = performance.now();
      void app
        .invoke('checkMailbox', body, { dequeueCount: item.dequeueCount })
        .then((v) => {
          handlerMs.push(performance.now() - started);
          return v;
        })
        .then(
          () => queue.deleteMessage(item.messageId, item.popReceipt),
          () => {
            failed++;
          },
        )
        .finally(() => {
          inFlight--;
          finished++;
        });
    }
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const maxRssKiB = process.resourceUsage().maxRSS;

  // Correctness, after the clock stopped: every mailbox has all seven results, as expected.
  const store = createTableStoreFromConnectionString(input.azurite);
  const waiting = new Set(input.waiting);
  const wrong: string[] = [];
  const durations = new Map<string, number[]>();
  let i = 0;
  const check = async () => {
    while (i < input.mailboxes.length) {
      const m = input.mailboxes[i++]!;
      const rows = await store.status.list(m.id);
      const st = new Map(rows.map((r) => [r.value.check, r.value.status]));
      for (const r of rows)
        durations.set(r.value.check, [...(durations.get(r.value.check) ?? []), r.value.result.durationMs]);
      const expectInbox = waiting.has(m.id) ? 'CRIT' : 'OK';
      const ok =
        st.size === 7 &&
        [...st].every(([check, status]) => status === (check === 'inbox' ? expectInbox : 'OK'));
      // What a wrong result said (its summary is scrubbed like every result): the why, not only the status.
      const said = rows
        .filter((r) => r.value.status !== (r.value.check === 'inbox' ? expectInbox : 'OK'))
        .map((r) => `${r.value.check}: ${r.value.result.summary.slice(0, 200)}`);
      if (!ok)
        wrong.push(
          `${m.id}: ${[...st].map(([c, s]) => `${c}=${s}`).join(',') || 'no results'}${said.length ? ` — ${said.join('; ')}` : ''}`,
        );
    }
  };
  await Promise.all(Array.from({ length: 16 }, check));
  process.stdout.write(
    JSON.stringify({
      label: input.label,
      mailboxes: total,
      loadedMs,
      dispatchedMs,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMiB: maxRssKiB / 1024,
      messages: [...seen.values()].reduce((a, b) => a + b, 0),
      distinct: seen.size,
      failed,
      mostInFlight,
      wrong: wrong.length,
      wrongSample: wrong.slice(0, 3),
      handlerMsMedian: median(handlerMs),
      checkMsMedian: Object.fromEntries([...durations].map(([c, xs]) => [c, median(xs)])),
    }) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `fleet case failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
