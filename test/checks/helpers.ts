/**
 * Shared pieces of the check tests: a validated mailbox config, a fixed-token TokenSource, an `auth` stand-in
 * that passes when the token source does (the real `auth` check belongs to the auth part), and a registry
 * built from it.
 */
import type { LabCa } from '../../lab/ca.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';
import { parseConfig, type MailboxConfig } from '../../src/shared/config/index.js';
import {
  CHECK_NAMES,
  CheckResultSchema,
  type CheckResult,
  type RegisteredCheckName,
} from '../../src/shared/contracts.js';
import { CHECKS } from '../../src/shared/checks/index.js';
import { startCheck } from '../../src/shared/checks/result.js';
import type { Check } from '../../src/shared/checks/types.js';
import type { TokenSource } from '../../src/shared/auth/ports.js';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

export function mailboxConfig(overrides: Record<string, unknown> = {}): MailboxConfig {
  const doc = {
    mailboxes: [
      {
        id: 'servicedesk',
        address: 'servicedesk@contoso.com',
        tenantId: TENANT,
        clientId: CLIENT,
        auth: { mode: 'password', password: { env: 'UNUSED_PASSWORD' } },
        ...overrides,
      },
    ],
  };
  return parseConfig(doc, 'test').config.mailboxes[0]!;
}

export function fixedTokens(accessToken: string, kind: 'delegated' | 'app-only' = 'delegated'): TokenSource {
  return {
    acquire: async () => ({
      ok: true,
      grant: {
        accessToken,
        expiresOn: new Date(Date.UTC(2099, 0)),
        fromCache: true,
        claims: {},
        retries: 0,
        kind,
      },
    }),
  };
}

/** The `auth` stand-in: OK when a token is obtained, CRIT otherwise. */
export const authStandIn: Check = async (ctx) => {
  const finish = startCheck(ctx, 'auth');
  const out = await ctx.tokens.acquire(ctx.deadline.signal);
  return out.ok
    ? finish({ status: 'OK', summary: 'token acquired' })
    : finish({
        status: 'CRIT',
        summary: `no token: ${out.failure.code}`,
        remediation: out.failure.remediation,
      });
};

/** The registry with the test `auth`, optionally limited to some checks. */
export function testRegistry(only?: RegisteredCheckName[]): Map<RegisteredCheckName, Check> {
  const map = new Map<RegisteredCheckName, Check>();
  for (const name of CHECK_NAMES) {
    if (only && !only.includes(name)) continue;
    map.set(name, name === 'auth' ? authStandIn : CHECKS.get(name)!);
  }
  return map;
}

/** Every result must satisfy the shared contract. */
export function expectValid(results: CheckResult[]): void {
  for (const r of results) CheckResultSchema.parse(r);
}

export function byCheck(results: CheckResult[]): Record<string, CheckResult> {
  return Object.fromEntries(results.map((r) => [r.check, r]));
}

let ca: TestCa | undefined;
/** One throwaway CA + localhost certificate per test file (test/helpers/test-ca.ts), removed when it ends. */
export function testCa(): LabCa {
  if (!ca) {
    const made = makeTestCa();
    process.once('exit', made.cleanup);
    ca = made;
  }
  return ca.lab;
}
