/** Shared by the auth tests: a lab mailbox configuration and a check context around a token source. */
import { randomUUID } from 'node:crypto';
import type { CheckContext } from '../../src/shared/checks/types.js';
import type { TokenSource } from '../../src/shared/auth/ports.js';
import { createDeadline } from '../../src/shared/deadline.js';
import type { Clock } from '../../src/shared/clock.js';
import { createSecretResolver, parseConfig, type MailboxConfig } from '../../src/shared/config/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

export interface MailboxSpec {
  id?: string;
  address: string;
  tenantId: string;
  clientId: string;
  auth: Record<string, unknown>;
  authorityHost: string;
  esm?: Record<string, string>;
}

/** Builds a validated MailboxConfig pointing at the lab (cloud hosts from the lab endpoints when given). */
export function labMailbox(spec: MailboxSpec, cloud: Record<string, unknown> = {}): MailboxConfig {
  return parseConfig(
    {
      mailboxes: [
        {
          id: spec.id ?? `mb-${randomUUID().slice(0, 8)}`,
          address: spec.address,
          tenantId: spec.tenantId,
          clientId: spec.clientId,
          auth: spec.auth,
          ...(spec.esm ? { esm: spec.esm } : {}),
          cloud: { authorityHost: spec.authorityHost, ...cloud },
        },
      ],
    },
    'test',
  ).config.mailboxes[0]!;
}

/** A secret resolver over a private environment (never process.env), like the CLI's. */
export function secretsFrom(env: Record<string, string>) {
  return createSecretResolver(env);
}

export function checkContext(
  mailbox: MailboxConfig,
  tokens: TokenSource,
  clock: Clock,
  env: Record<string, string> = {},
  deadlineMs = 20_000,
): CheckContext {
  const deadline = createDeadline(clock, deadlineMs);
  return {
    mailbox,
    clock,
    logger: silentLogger,
    deadline,
    secrets: createSecretResolver(env),
    tokens,
    imap: {
      client: () => undefined,
      open: () => Promise.reject(new Error('no IMAP in auth tests')),
      close: () => Promise.resolve(),
    },
    smtp: { verify: () => Promise.reject(new Error('no SMTP in auth tests')) },
    state: createMemoryStore(),
    results: new Map(),
  };
}
