/**
 * Benchmark 1 — token reuse. M mailboxes, each asking for its token twice a run (IMAP and SMTP, as the runner's
 * checks do), K runs within one token lifetime, through the real `createTokenSource` against the lab's Entra
 * emulator over HTTPS. Side A: the shared process-wide `TokenCache` (a warm Functions process). Side B: a fresh
 * cache per run (what a cold process, or a cache per invocation, would cost). Printed: token requests as counted
 * by the lab, and wall time, for one app-only identity (client secret, every mailbox shares it) and for ROPC users
 * (one identity per mailbox).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createTokenSource, TokenCache } from '../src/shared/auth/index.js';
import { systemClock } from '../src/shared/clock.js';
import { createSecretResolver, type MailboxConfig } from '../src/shared/config/index.js';
import { silentLogger } from '../src/shared/logger.js';
import {
  benchEndpoints,
  benchLab,
  fmtMs,
  mailboxDoc,
  note,
  parseMailboxes,
  printTable,
  ratio,
} from './bench-lab.js';

export interface TokenReuseOptions {
  mailboxes?: number;
  runs?: number;
}

interface Side {
  requests: number;
  wallMs: number;
  failures: number;
}

async function setUp(m: number) {
  const l = benchLab();
  const e = benchEndpoints();
  const tenantId = randomUUID();
  const domain = `${l.unique('bench')}.example`;
  const secretApp = randomUUID();
  const publicApp = randomUUID();
  const secret = `bench-secret-${randomUUID()}`;
  const password = `bench-pw-${randomUUID()}`;
  await l.addTenant(tenantId, [domain]);
  await l.addApp(tenantId, {
    clientId: secretApp,
    secrets: [{ value: secret }],
    appRoles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
  });
  await l.addApp(tenantId, { clientId: publicApp, publicClient: true });
  const appOnly: Record<string, unknown>[] = [];
  const ropc: Record<string, unknown>[] = [];
  for (let i = 0; i < m; i++) {
    const address = `desk${i}@${domain}`;
    await l.addUser(tenantId, { upn: address, password });
    appOnly.push(
      mailboxDoc(e, {
        id: `app-${i}`,
        address,
        tenantId,
        clientId: secretApp,
        auth: { mode: 'clientSecret', clientSecret: { env: 'BENCH_SECRET' } },
      }),
    );
    ropc.push(
      mailboxDoc(e, {
        id: `ropc-${i}`,
        address,
        tenantId,
        clientId: publicApp,
        auth: { mode: 'password', password: { env: 'BENCH_PASSWORD' } },
      }),
    );
  }
  // A private environment for the secret resolver, as the CLI passes its own: nothing is put in process.env.
  const secrets = createSecretResolver({ BENCH_SECRET: secret, BENCH_PASSWORD: password });
  return { l, tenantId, secrets, appOnly: parseMailboxes(appOnly), ropc: parseMailboxes(ropc) };
}

async function tenantRequests(l: ReturnType<typeof benchLab>, tenantId: string): Promise<number> {
  const counters = await l.entraCounters(tenantId);
  return Object.values(counters).reduce((a, b) => a + b, 0);
}

async function runSide(
  ctx: Awaited<ReturnType<typeof setUp>>,
  mailboxes: MailboxConfig[],
  runs: number,
  shared: boolean,
): Promise<Side> {
  const before = await tenantRequests(ctx.l, ctx.tenantId);
  const sharedCache = new TokenCache();
  let failures = 0;
  const t0 = performance.now();
  for (let run = 0; run < runs; run++) {
    const cache = shared ? sharedCache : new TokenCache();
    // All mailboxes of a run at once, each asking twice (IMAP and SMTP), as concurrent mailbox runs would.
    const outcomes = await Promise.all(
      mailboxes.flatMap((m) => {
        const src = createTokenSource(m, {
          secrets: ctx.secrets,
          clock: systemClock,
          logger: silentLogger,
          cache,
        });
        return [src.acquire(), src.acquire()];
      }),
    );
    failures += outcomes.filter((o) => !o.ok).length;
  }
  const wallMs = performance.now() - t0;
  const requests = (await tenantRequests(ctx.l, ctx.tenantId)) - before;
  return { requests, wallMs, failures };
}

export async function benchTokenReuse(opts: TokenReuseOptions = {}): Promise<void> {
  const m = opts.mailboxes ?? 20;
  const k = opts.runs ?? 5;
  const ctx = await setUp(m);
  const rows: string[][] = [
    [
      'identity',
      'shared: requests',
      'fresh: requests',
      'ratio',
      'shared: wall ms',
      'fresh: wall ms',
      'ratio',
    ],
  ];
  for (const [label, list] of [
    ['app-only (1 secret)', ctx.appOnly],
    ['ROPC (1 per mailbox)', ctx.ropc],
  ] as const) {
    // Fresh first, so the shared side gets no help from a warmer TLS or JIT state.
    const fresh = await runSide(ctx, list, k, false);
    const shared = await runSide(ctx, list, k, true);
    if (fresh.failures + shared.failures > 0)
      note(`${label}: ${fresh.failures + shared.failures} acquisitions failed — figures not comparable`);
    rows.push([
      label,
      String(shared.requests),
      String(fresh.requests),
      ratio(shared.requests, fresh.requests),
      fmtMs(shared.wallMs),
      fmtMs(fresh.wallMs),
      ratio(shared.wallMs, fresh.wallMs),
    ]);
  }
  printTable(
    `1. Token reuse: ${m} mailboxes × ${k} runs × 2 acquisitions (IMAP + SMTP), shared TokenCache vs a fresh cache per run`,
    rows,
  );
}
