/**
 * Where a mailbox run's time goes: the SMTP probe runs alongside the IMAP checks (still one connection of each),
 * results keep registry order, and the per-tenant connection cap holds across mailboxes running at once.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';
import type { RegisteredCheckName } from '../../src/shared/contracts.js';
import { silentLogger } from '../../src/shared/logger.js';
import { CHECKS } from '../../src/shared/checks/index.js';
import { startCheck } from '../../src/shared/checks/result.js';
import { runMailbox, runMailboxes, type RunDeps } from '../../src/shared/checks/runner.js';
import { createConnectionGate } from '../../src/shared/checks/tenant-gate.js';
import type { Check } from '../../src/shared/checks/types.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import type { ImapSessionPort } from '../../src/shared/mail/ports.js';
import { fixedTokens, mailboxConfig } from './helpers.js';

const imapPort: ImapSessionPort = {
  client: () => undefined,
  open: async () => {
    throw new Error('not used');
  },
  close: async () => undefined,
};

function deps(checks: Map<RegisteredCheckName, Check>, extra: Partial<RunDeps> = {}): RunDeps {
  return {
    clock: systemClock,
    logger: silentLogger,
    secrets: () => 'unused',
    tokens: () => fixedTokens('t'),
    ...mailConnections,
    imap: () => imapPort,
    state: createMemoryStore(),
    checks,
    ...extra,
  };
}

const pass =
  (name: RegisteredCheckName, summary = 'fine') =>
  (ctx: Parameters<Check>[0]) =>
    startCheck(ctx, name)({ status: 'OK', summary });

describe('runMailbox lanes', () => {
  it('starts smtp-auth while the IMAP checks are still running, and returns results in registry order', async () => {
    // inbox can only finish once smtp-auth has started: run one after the other, inbox would hit the deadline.
    let smtpStarted!: () => void;
    const smtpHasStarted = new Promise<void>((r) => (smtpStarted = r));
    const checks = new Map<RegisteredCheckName, Check>([
      ['auth', async (ctx) => pass('auth')(ctx)],
      ['imap-login', async (ctx) => pass('imap-login')(ctx)],
      [
        'inbox',
        async (ctx) => {
          await smtpHasStarted;
          return pass('inbox', 'saw smtp start')(ctx);
        },
      ],
      ['junk', async (ctx) => pass('junk')(ctx)],
      [
        'smtp-auth',
        async (ctx) => {
          smtpStarted();
          await new Promise((r) => setTimeout(r, 20));
          return pass('smtp-auth')(ctx);
        },
      ],
    ]);
    const results = await runMailbox(mailboxConfig({ deadlineSeconds: 2 }), deps(checks));
    expect(results.map((r) => `${r.check}:${r.status}`)).toEqual([
      'auth:OK',
      'imap-login:OK',
      'inbox:OK',
      'junk:OK',
      'smtp-auth:OK',
    ]);
    expect(results[2]!.summary).toBe('saw smtp start');
  });

  it('smtp-auth starts only once auth has a result, so a failed auth still skips it', async () => {
    const checks = new Map<RegisteredCheckName, Check>([
      [
        'auth',
        async (ctx) => {
          await new Promise((r) => setTimeout(r, 20));
          return startCheck(ctx, 'auth')({ status: 'CRIT', summary: 'no token' });
        },
      ],
      ['smtp-auth', CHECKS.get('smtp-auth')!],
    ]);
    const results = await runMailbox(mailboxConfig(), deps(checks));
    expect(results.map((r) => `${r.check}:${r.status}:${r.summary}`)).toEqual([
      'auth:CRIT:no token',
      'smtp-auth:UNKNOWN:skipped: auth is CRIT',
    ]);
  });
});

describe('per-tenant connection cap', () => {
  it('never lets one tenant hold more connections than the cap, other tenants unaffected', async () => {
    const gate = createConnectionGate(3);
    const most = new Map<string, number>();
    const hold =
      (name: RegisteredCheckName): Check =>
      async (ctx) => {
        const t = ctx.mailbox.tenantId;
        most.set(t, Math.max(most.get(t) ?? 0, gate.inUse(t)));
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
        return pass(name)(ctx);
      };
    const checks = new Map<RegisteredCheckName, Check>([
      ['auth', async (ctx) => pass('auth')(ctx)],
      ['imap-login', hold('imap-login')],
      ['inbox', hold('inbox')],
      ['smtp-auth', hold('smtp-auth')],
    ]);
    const base = mailboxConfig();
    const big = '11111111-1111-1111-1111-111111111111';
    const small = '22222222-2222-2222-2222-222222222222';
    const mailboxes = [
      ...Array.from({ length: 8 }, (_, i) => ({ ...base, id: `big-${i}`, tenantId: big })),
      ...Array.from({ length: 2 }, (_, i) => ({ ...base, id: `small-${i}`, tenantId: small })),
    ];
    const out = await runMailboxes({ mailboxes }, deps(checks, { gate }), { concurrency: 10 });
    expect(out.flat().every((r) => r.status === 'OK')).toBe(true);
    expect(most.get(big)).toBe(3);
    // The small tenant's two mailboxes (up to 4 connections) also stay within 3, not within the big one's share.
    expect(most.get(small)).toBeLessThanOrEqual(3);
    expect(most.get(small)).toBeGreaterThanOrEqual(2);
    expect(gate.inUse(big) + gate.inUse(small)).toBe(0);
  });

  it('a run waiting for a slot gives up at its deadline with a timeout, and frees nothing it did not take', async () => {
    const gate = createConnectionGate(2);
    const tenant = '33333333-3333-3333-3333-333333333333';
    const a = await gate.acquire(tenant, new AbortController().signal);
    const b = await gate.acquire(tenant, new AbortController().signal);
    const checks = new Map<RegisteredCheckName, Check>([
      ['auth', async (ctx) => pass('auth')(ctx)],
      ['imap-login', async (ctx) => pass('imap-login')(ctx)],
    ]);
    const results = await runMailbox(
      mailboxConfig({ tenantId: tenant, deadlineSeconds: 0.2 }),
      deps(checks, { gate }),
    );
    expect(results[1]).toMatchObject({ check: 'imap-login', status: 'CRIT' });
    expect(results[1]!.summary).toMatch(/^timeout: deadline/);
    expect(gate.inUse(tenant)).toBe(2);
    a();
    b();
    b();
    expect(gate.inUse(tenant)).toBe(0);
  });
});
