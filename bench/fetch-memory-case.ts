/**
 * One case of benchmark 3, in its own process so its peak RSS is its own: runs the real runner with the checks the
 * inbox check depends on (auth, credential-expiry, imap-login, inbox) — real token source over the lab's Entra,
 * real imapflow session to Dovecot — and prints one JSON line: the OS's peak RSS before and after the run
 * (`process.resourceUsage().maxRSS`), the heap and external memory after, and the inbox check's probe metrics.
 * Input: argv[2] = the mailbox document (JSON); the password arrives in BENCH_PASSWORD, never on the command line.
 */
import { runMailbox } from '../src/shared/checks/runner.js';
import { CHECKS } from '../src/shared/checks/index.js';
import type { Check } from '../src/shared/checks/types.js';
import { createTokenSource } from '../src/shared/auth/index.js';
import { systemClock } from '../src/shared/clock.js';
import { createSecretResolver } from '../src/shared/config/index.js';
import type { RegisteredCheckName } from '../src/shared/contracts.js';
import { silentLogger } from '../src/shared/logger.js';
import { parseMailboxes } from './bench-lab.js';
import { mailConnections } from '../src/shared/cycle/compose.js';
import { createMemoryStore } from '../src/shared/state/memory-store.js';

const WANTED = new Set(['auth', 'credential-expiry', 'imap-login', 'inbox']);

async function main(): Promise<void> {
  const doc = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
  const mailbox = parseMailboxes([doc])[0]!;
  const secrets = createSecretResolver({ BENCH_PASSWORD: process.env.BENCH_PASSWORD ?? '' });
  const checks = new Map<RegisteredCheckName, Check>([...CHECKS].filter(([name]) => WANTED.has(name)));
  const before = process.resourceUsage().maxRSS;
  const results = await runMailbox(mailbox, {
    clock: systemClock,
    logger: silentLogger,
    secrets,
    tokens: (m, deadline) =>
      createTokenSource(m, { secrets, clock: systemClock, logger: silentLogger, deadline }),
    ...mailConnections,
    state: createMemoryStore(),
    checks,
  });
  const mem = process.memoryUsage();
  const inbox = results.find((r) => r.check === 'inbox');
  process.stdout.write(
    JSON.stringify({
      maxRssKbBefore: before,
      maxRssKb: process.resourceUsage().maxRSS,
      heapUsed: mem.heapUsed,
      external: mem.external + mem.arrayBuffers,
      statuses: results.map((r) => `${r.check}:${r.status}`),
      probeBytes: inbox?.metrics.probeBytes ?? null,
      oversized: inbox?.metrics.oversizedMessages ?? null,
    }) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`case failed: ${err instanceof Error ? err.name : 'error'}\n`);
    process.exit(1);
  },
);
