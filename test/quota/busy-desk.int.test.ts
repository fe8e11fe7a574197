/**
 * A busy service desk against the lab's Dovecot with Exchange's command-length limit (`imap_max_line_length =
 * 10240`): 9,000 single-recipient notifications in the last 24 h plus 40,000 older messages in Sent Items
 * (1,000 of them 25–47 h old, inside the day-early SEARCH SINCE, so the exact date comparison matters).
 * The first run recounts exactly — every command stays under the limit, in bounded pages — and the next run,
 * after 10 more messages, counts exactly those 10 from the watermark. Read-only throughout.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedMaildir, type MaildirMessage } from '../../lab/maildir-seed.js';
import { runMailbox } from '../../src/shared/checks/runner.js';
import { mailConnections } from '../../src/shared/cycle/compose.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { byCheck, CLIENT, expectValid, fixedTokens, mailboxConfig, testRegistry } from '../checks/helpers.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

const HAS_DOVECOT = requireDovecot();
const MIN = 60_000;
const HOUR = 60 * MIN;
const RECENT = 9000;
const NEAR = 1000;
const OLD = 39_000;

function raw(i: number): string {
  return (
    `From: desk@example.org\r\nTo: customer${i}@example.net\r\nSubject: [T-${i}] ticket updated\r\n` +
    `Message-ID: <n${i}@desk.example.org>\r\n\r\nYour ticket was updated.\r\n`
  );
}

/** Oldest first, as they were sent: 39,000 of 3–30 days ago, 1,000 of 25–47 h ago, 9,000 within 24 h. */
function* busyDesk(now: number): Generator<MaildirMessage> {
  let i = 0;
  for (let k = 0; k < OLD; k++)
    yield { raw: raw(i++), internalDate: new Date(now - 30 * 24 * HOUR + k * 55_000) };
  for (let k = 0; k < NEAR; k++)
    yield { raw: raw(i++), internalDate: new Date(now - 47 * HOUR + k * 79_000) };
  // 9,000 in 24 h: one every 9.5 s, the newest 5 minutes old.
  for (let k = 0; k < RECENT; k++)
    yield { raw: raw(i++), internalDate: new Date(now - 24 * HOUR + 60_000 + k * 9_500), flags: 'S' };
}

describe.runIf(HAS_DOVECOT)('sent-quota on a busy desk (Exchange command-length limit)', () => {
  const tenantId = randomUUID();
  beforeAll(async () => {
    await lab().addTenant(tenantId, ['busy.example.org']);
  });

  it('9,000 in 24 h + 40,000 older: exact on the first run and on the incremental run', async () => {
    const l = lab();
    const e = labEndpoints();
    const address = `${l.unique('busy')}@busy.example.org`;
    const token = await l.imapUser(tenantId, CLIENT, address);
    const now = new Date(Math.floor(Date.now() / MIN) * MIN);
    const seeded = seedMaildir(e.labDir, address, 'Sent Items', busyDesk(now.getTime()));
    expect(seeded.count).toBe(OLD + NEAR + RECENT);

    const cfg = mailboxConfig({
      address,
      cloud: { imapHost: e.imap!.host, imapPort: e.imap!.port },
      deadlineSeconds: 300,
    });
    const state = createMemoryStore();
    const run = async (at: Date) => {
      const results = await runMailbox(cfg, {
        clock: new ManualClock(at),
        logger: silentLogger,
        secrets: () => 'unused',
        tokens: () => fixedTokens(token),
        ...mailConnections,
        checks: testRegistry(['auth', 'imap-login', 'sent-quota']),
        state,
      });
      expectValid(results);
      return byCheck(results)['sent-quota']!;
    };

    const first = await run(now);
    expect(first.details).toMatchObject({ folder: 'Sent Items', mode: 'recount', reason: 'no-watermark' });
    expect(first.details).not.toHaveProperty('partial');
    expect(first.metrics).toMatchObject({ recipients24h: RECENT, messages24h: RECENT, newMessages: RECENT });
    // 90 % of 10,000: WARN, not the CRIT of a refused command.
    expect(first.status).toBe('WARN');
    // The 10,000 UIDs of the SEARCH went out in pages of at most 2,000.
    expect((first.details as { pages: number }).pages).toBeGreaterThanOrEqual(5);

    const later = new Date(now.getTime() + 5 * MIN);
    await l.seedMessages(
      address,
      'Sent Items',
      Array.from({ length: 10 }, (_, k) => ({
        raw: raw(100_000 + k),
        flags: ['\\Seen'],
        internalDate: new Date(later.getTime() - (10 - k) * 1000).toISOString(),
      })),
    );
    const second = await run(later);
    expect(second.details).toMatchObject({ mode: 'incremental', pages: 1 });
    expect(second.metrics.newMessages).toBe(10);
    // Five minutes on, nothing of the first day has aged out yet (the oldest recent one is 24 h − 1 min old
    // at `now`, so 1 minute's worth has): exact figure from the seeding pattern.
    const agedOut = Math.ceil((5 * MIN - 60_000) / 9_500);
    expect(second.metrics.recipients24h).toBe(RECENT - agedOut + 10);

    // Nothing changed: no flag, no expunge (the recent ones were seeded \Seen, the old ones not).
    const conf = e.doveadm!.configPath;
    const status = execFileSync(
      'doveadm',
      ['-c', conf, 'mailbox', 'status', '-u', address, 'messages unseen', 'Sent Items'],
      { encoding: 'utf8' },
    );
    expect(status.trim()).toBe(`Sent Items messages=${OLD + NEAR + RECENT + 10} unseen=${OLD + NEAR}`);
  }, 600_000);
});
