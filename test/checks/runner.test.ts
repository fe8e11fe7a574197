/**
 * The runner's rules with stand-in checks (pure logic, no network): dependency skips, one timeout result at the
 * deadline, a throwing check becomes UNKNOWN, the IMAP session closed exactly once whatever happened, and the
 * concurrency bound of runMailboxes with results in configuration order.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';
import type { RegisteredCheckName } from '../../src/shared/contracts.js';
import { silentLogger } from '../../src/shared/logger.js';
import { CHECKS } from '../../src/shared/checks/index.js';
import { startCheck } from '../../src/shared/checks/result.js';
import { runMailbox, runMailboxes, type RunDeps } from '../../src/shared/checks/runner.js';
import type { Check } from '../../src/shared/checks/types.js';
import type { ImapSessionPort } from '../../src/shared/mail/ports.js';
import { byCheck, expectValid, fixedTokens, mailboxConfig } from './helpers.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

const ok =
  (name: RegisteredCheckName, delayMs = 0): Check =>
  async (ctx) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return startCheck(ctx, name)({ status: 'OK', summary: 'fine' });
  };

function fakeImap() {
  const calls = { close: 0 };
  const port: ImapSessionPort = {
    client: () => undefined,
    open: async () => {
      throw new Error('not used');
    },
    close: async () => {
      calls.close++;
    },
  };
  return { port, calls };
}

function deps(checks: Map<RegisteredCheckName, Check>, imap = fakeImap()): RunDeps {
  return {
    clock: systemClock,
    logger: silentLogger,
    secrets: () => 'unused',
    tokens: () => fixedTokens('t'),
    ...mailConnections,
    imap: () => imap.port,
    state: createMemoryStore(),
    checks,
  };
}

describe('runMailbox', () => {
  it('the registry lists every check in CHECK_NAMES order', () => {
    expect([...CHECKS.keys()]).toEqual([
      'auth',
      'credential-expiry',
      'imap-login',
      'inbox',
      'junk',
      'sent-quota',
      'smtp-auth',
    ]);
  });

  it('a failed auth skips the checks that depend on it, with the reason', async () => {
    const failing: Check = async (ctx) => startCheck(ctx, 'auth')({ status: 'CRIT', summary: 'no token' });
    const checks = new Map<RegisteredCheckName, Check>([
      ['auth', failing],
      ['imap-login', CHECKS.get('imap-login')!],
      ['inbox', CHECKS.get('inbox')!],
      ['junk', CHECKS.get('junk')!],
      ['smtp-auth', CHECKS.get('smtp-auth')!],
    ]);
    const imap = fakeImap();
    const results = await runMailbox(mailboxConfig(), deps(checks, imap));
    expectValid(results);
    expect(results.map((r) => `${r.check}:${r.status}:${r.summary}`)).toEqual([
      'auth:CRIT:no token',
      'imap-login:UNKNOWN:skipped: auth is CRIT',
      'inbox:UNKNOWN:skipped: imap-login is UNKNOWN',
      'junk:UNKNOWN:skipped: imap-login is UNKNOWN',
      'smtp-auth:UNKNOWN:skipped: auth is CRIT',
    ]);
    expect(imap.calls.close).toBe(1);
  });

  it('the deadline ends in one CRIT timeout for the running IMAP check and skips the rest of its lane', async () => {
    const hang: Check = () => new Promise(() => undefined);
    const checks = new Map<RegisteredCheckName, Check>([
      ['auth', ok('auth')],
      ['imap-login', hang],
      ['inbox', ok('inbox')],
      ['smtp-auth', ok('smtp-auth')],
    ]);
    const imap = fakeImap();
    const results = await runMailbox(mailboxConfig({ deadlineSeconds: 0.3 }), deps(checks, imap));
    expectValid(results);
    const r = byCheck(results);
    expect(r.auth!.status).toBe('OK');
    expect(r['imap-login']).toMatchObject({
      status: 'CRIT',
      summary: 'timeout: deadline of 0.3 s reached during imap-login',
    });
    expect(r['imap-login']!.durationMs).toBeGreaterThanOrEqual(250);
    expect(r.inbox!.summary).toBe('skipped: deadline reached');
    // The SMTP probe runs alongside the IMAP checks: it finished before the deadline.
    expect(r['smtp-auth']!.status).toBe('OK');
    expect(imap.calls.close).toBe(1);
  });

  it('a throwing check is UNKNOWN with its error class; the session is still closed once', async () => {
    const boom: Check = async () => {
      throw new TypeError('password=hunter2');
    };
    const imap = fakeImap();
    const results = await runMailbox(mailboxConfig(), deps(new Map([['auth', boom]]), imap));
    expectValid(results);
    expect(results[0]).toMatchObject({ status: 'UNKNOWN', summary: 'internal error in auth (TypeError)' });
    expect(JSON.stringify(results)).not.toContain('hunter2');
    expect(imap.calls.close).toBe(1);
  });
});

describe('runMailboxes', () => {
  it('never runs more mailboxes at once than the bound, and keeps configuration order', async () => {
    let running = 0;
    let most = 0;
    const tracked: Check = async (ctx) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 30 + Math.random() * 30));
      running--;
      return startCheck(ctx, 'auth')({ status: 'OK', summary: ctx.mailbox.id });
    };
    const base = mailboxConfig();
    const mailboxes = Array.from({ length: 7 }, (_, i) => ({ ...base, id: `desk-${i}` }));
    const done: string[] = [];
    const out = await runMailboxes({ mailboxes }, deps(new Map([['auth', tracked]])), {
      concurrency: 3,
      onMailboxDone: (m, _r, n, total) => done.push(`${n}/${total}:${m.id}`),
    });
    expect(most).toBe(3);
    expect(out.map((r) => r[0]!.summary)).toEqual(mailboxes.map((m) => m.id));
    expect(done).toHaveLength(7);
    expect(done.at(-1)).toMatch(/^7\/7:/);
  });
});

describe('runMailbox with a failing review-time lookup', () => {
  it('runs every check anyway; junk just has no review time', async () => {
    const seen: Array<Date | undefined> = [];
    const probe: Check = async (ctx) => {
      seen.push(ctx.lastSpamReviewAt);
      return startCheck(ctx, 'auth')({ status: 'OK', summary: 'ran' });
    };
    const results = await runMailbox(mailboxConfig(), {
      ...deps(new Map([['auth', probe]])),
      lastSpamReviewAt: async () => {
        throw new Error('table unavailable');
      },
    });
    expect(results.map((r) => r.summary)).toEqual(['ran']);
    expect(seen).toEqual([undefined]);
  });
});
