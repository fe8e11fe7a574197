/**
 * `npm run bench` (node dist/lab/with-lab.js -- node dist/bench/run.js [name…]): runs the benchmarks under the
 * lab and prints each as a table with both sides and their ratio. Names: token-reuse, sent-quota, fetch-memory,
 * whole-process, imap-commands, inbox-size, sent-quota-busy, whole-process-state, cold-start, fleet, status-page
 * (default: all). Not a test: nothing is asserted, nothing here runs in `npm test`.
 */
import { cpus } from 'node:os';
import { benchImapCommands, benchWholeProcessState } from './cli-state.js';
import { benchColdStart } from './cold-start.js';
import { benchInboxSize, benchSentQuotaBusy } from './folder-size.js';
import { benchFetchMemory } from './fetch-memory.js';
import { benchFleet } from './fleet.js';
import { benchSentQuota } from './sent-quota.js';
import { benchStatusPage } from './status-page.js';
import { benchTokenReuse } from './token-reuse.js';
import { benchWholeProcess } from './whole-process.js';

const BENCHMARKS: Record<string, () => Promise<void>> = {
  'token-reuse': () => benchTokenReuse(),
  'sent-quota': () => benchSentQuota(),
  'fetch-memory': () => benchFetchMemory(),
  'status-page': () => benchStatusPage(),
  'whole-process': async () => {
    await benchWholeProcess();
  },
  'imap-commands': () => benchImapCommands(),
  'inbox-size': () => benchInboxSize(),
  'sent-quota-busy': () => benchSentQuotaBusy(),
  'whole-process-state': () => benchWholeProcessState(),
  'cold-start': () => benchColdStart(),
  // 1,000 mailboxes at 0 and 50 ms round trips: 5–20 minutes on a shared 2-core machine.
  fleet: () => benchFleet(),
};

async function main(): Promise<number> {
  const asked = process.argv.slice(2);
  const names = asked.length ? asked : Object.keys(BENCHMARKS);
  const unknown = names.filter((n) => !BENCHMARKS[n]);
  if (unknown.length) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; have ${Object.keys(BENCHMARKS).join(', ')}\n`,
    );
    return 2;
  }
  process.stdout.write(
    `mailbox-health benchmarks — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores\n`,
  );
  for (const n of names) await BENCHMARKS[n]!();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
