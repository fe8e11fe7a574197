/**
 * What every benchmark shares: the running lab (started by `node dist/lab/with-lab.js -- …`, which hands its
 * endpoints over in MAILBOX_HEALTH_LAB), a validated mailbox configuration pointing at it, a table printer and
 * small number helpers. Benchmarks print; they never assert (ratios side by side in docs/performance.md, no timed tests).
 */
import { LabClient } from '../lab/client.js';
import { LAB_ENV, type LabEndpoints } from '../lab/endpoints.js';
import type { ImapFlow } from 'imapflow';
import type { CheckContext } from '../src/shared/checks/types.js';
import { ManualClock } from '../src/shared/clock.js';
import { parseConfig, type MailboxConfig } from '../src/shared/config/index.js';
import { silentLogger } from '../src/shared/logger.js';
import type { StateStore } from '../src/shared/state/ports.js';

export function benchEndpoints(): LabEndpoints {
  const raw = process.env[LAB_ENV];
  if (!raw) {
    throw new Error(
      `${LAB_ENV} is not set: run benchmarks under the lab (npm run bench, or node dist/lab/with-lab.js -- node dist/bench/run.js)`,
    );
  }
  return JSON.parse(raw) as LabEndpoints;
}

export function benchLab(): LabClient {
  return new LabClient(benchEndpoints());
}

/** Benchmarks that read mail need the lab's Dovecot; without it they say so and are left out. */
export function dovecotOrReason(e: LabEndpoints): string | null {
  return e.imap && e.doveadm ? null : `Dovecot unavailable (${e.imapUnavailable ?? 'not started'})`;
}

/** One mailbox document (before validation) pointing at the lab's Entra, Dovecot and SMTP. */
export function mailboxDoc(
  e: LabEndpoints,
  m: { id: string; address: string; tenantId: string; clientId: string; auth: Record<string, unknown> },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: m.id,
    address: m.address,
    tenantId: m.tenantId,
    clientId: m.clientId,
    auth: m.auth,
    cloud: {
      authorityHost: e.authorityHost,
      ...(e.imap ? { imapHost: e.imap.host, imapPort: e.imap.port } : {}),
      ...(e.smtp ? { smtpHost: e.smtp.host, smtpPort: e.smtp.port } : {}),
    },
    ...extra,
  };
}

/** Validated through the real schema (never cast), as the CLI and the Function App do. */
export function parseMailboxes(docs: Record<string, unknown>[]): MailboxConfig[] {
  return parseConfig({ mailboxes: docs }, 'bench').config.mailboxes;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `a / b` with two decimals, or `n/a` when the baseline is zero. */
export function ratio(a: number, b: number): string {
  if (b === 0) return a === 0 ? '1.00' : 'n/a';
  return (a / b).toFixed(2);
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

export function fmtMiB(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

/** A plain-text table: the first row is the header, columns padded. */
export function printTable(title: string, rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`\n${title}\n${line(rows[0]!)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
}

export function note(text: string): void {
  process.stdout.write(`  ${text}\n`);
}

/**
 * The context of one check run over a session the bench opened and logged in itself (so what is counted is the
 * check's own reading): imap-login already OK, no token, no SMTP, the clock at `now`, a deadline of `deadlineMs`.
 */
export function checkContextOver(
  client: ImapFlow,
  mailbox: MailboxConfig,
  store: StateStore,
  now: Date,
  deadlineMs: number,
): CheckContext {
  return {
    mailbox,
    clock: new ManualClock(now),
    logger: silentLogger,
    deadline: {
      at: new Date(now.getTime() + deadlineMs),
      signal: new AbortController().signal,
      remainingMs: () => deadlineMs,
    },
    secrets: () => 'unused',
    tokens: { acquire: () => Promise.reject(new Error('the bench logs in itself')) },
    imap: { client: () => client, open: async () => client, close: async () => undefined },
    results: new Map([
      [
        'imap-login',
        {
          check: 'imap-login',
          mailbox: mailbox.id,
          status: 'OK',
          summary: 'ok',
          metrics: {},
          durationMs: 0,
          at: now.toISOString(),
        },
      ],
    ]),
    smtp: { verify: () => Promise.reject(new Error('the bench sends nothing')) },
    state: store,
  };
}
