/**
 * The Function App's handlers, run as the host runs them (InvocationContext, queue output moved onto a real
 * Azurite queue), against the lab: Entra emulator, Dovecot, smtp-server, Azurite tables.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import azureFunctions, { type HttpRequest } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCheckMailbox } from '../../src/functions/check-mailbox.js';
import { makeDispatchChecks } from '../../src/functions/dispatch-checks.js';
import { makeHealth } from '../../src/functions/health.js';
import { makePoisonAlert } from '../../src/functions/poison-alert.js';
import { makeSpamReview } from '../../src/functions/spam-review.js';
import { makeStatus } from '../../src/functions/status.js';
import { RUN_END, RUN_PREFIX } from '../../src/shared/history/keys.js';
import { STATUS_CSP } from '../../src/shared/report/status-layout.js';
import { parseConfig } from '../../src/shared/config/load.js';
import { CHECK_NAMES } from '../../src/shared/contracts.js';
import { composeCycleDeps } from '../../src/shared/cycle/compose.js';
import type { CycleDeps } from '../../src/shared/cycle/deps.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createTableStoreFromConnectionString } from '../../src/shared/state/table-store.js';
import { identityKey } from '../../lab/entra-registry.js';
import { HostQueue, invocation, timerTick } from '../../lab/demo-harness.js';
import { deskConfig, deskMail, registerDesk, type DeskIdentity } from '../../lab/demo-scenario.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

describe.runIf(requireDovecot())('Function App handlers against the lab', () => {
  let desk: DeskIdentity;
  let deps: CycleDeps;
  const getDeps = async () => deps;
  const l = lab();

  beforeAll(async () => {
    const e = labEndpoints();
    desk = await registerDesk(l, 'desk');
    const mail = deskMail(desk, new Date());
    // A smaller mailbox than the demo's: one mail waiting 3 h, a few junk and sent mails.
    await l.seedMessages(desk.address, 'INBOX', mail.inbox.slice(0, 1));
    await l.seedMessages(desk.address, 'Junk Email', mail.junk.slice(0, 5));
    await l.seedMessages(desk.address, 'Sent Items', mail.sent.slice(0, 3));
    const store = createTableStoreFromConnectionString(e.azurite!.connectionString, {
      prefix: `fn${randomBytes(4).toString('hex')}`,
    });
    const doc = deskConfig(
      desk,
      { authorityHost: e.authorityHost, imap: e.imap!, smtp: e.smtp! },
      'memory', // replaced by the Azurite store below
    );
    deps = await composeCycleDeps({
      env: { SERVICEDESK_PASSWORD: desk.password },
      logger: silentLogger,
      config: parseConfig(doc, 'test').config,
      store,
    });
  });

  it('dispatch → queue → checkMailbox → state, then health reports every check', async () => {
    const queue = new HostQueue(
      labEndpoints().azurite!.connectionString,
      `checks-${randomBytes(4).toString('hex')}`,
    );
    await queue.ensure();
    const ctx = invocation('dispatchChecks');
    await makeDispatchChecks(getDeps, { queue: async () => queue, spreadSeconds: () => 120 })(
      timerTick(true),
      ctx,
    );
    const messages = queue.sent.map((s) => s.message);
    expect(messages).toHaveLength(1);
    // The first message of a cycle is visible at once, whatever the spread.
    expect(queue.sent[0]!.delaySeconds).toBe(0);
    expect(messages[0]).toEqual({
      mailboxId: 'servicedesk',
      runId: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ-servicedesk$/),
    });
    // No secret, nothing from the mailbox, on the queue.
    expect(JSON.stringify(messages)).not.toContain(desk.password);

    const outcomes: string[] = [];
    const drained = await queue.drain(async (body, meta) => {
      const o = await makeCheckMailbox(getDeps)(body, invocation('checkMailbox', { ...meta }));
      outcomes.push(o.status);
    });
    expect(drained).toEqual({ handled: 1, failed: 0, poisoned: 0 });
    expect(outcomes).toEqual(['done']);

    const rows = await deps.store.status.list('servicedesk');
    expect(rows.map((r) => r.value.check).sort()).toEqual([...CHECK_NAMES].sort());
    expect(rows.find((r) => r.value.check === 'inbox')?.value.status).toBe('CRIT');

    const res = await makeHealth(getDeps)({} as HttpRequest, invocation('health'));
    const body = res.jsonBody as {
      status: string;
      exitCode: number;
      mailboxes: Array<{ id: string; checks: unknown[] }>;
    };
    expect(res.status).toBe(200);
    expect(body.status).toBe('CRIT');
    expect(body.exitCode).toBe(2);
    expect(body.mailboxes[0]!.checks).toHaveLength(CHECK_NAMES.length);
    const text = JSON.stringify(body);
    expect(text).not.toContain(desk.password);
    // No mail content: the waiting mail's subject is not in the health document.
    expect(text).not.toContain('Printer');

    // The run left its history row, and the status page draws the mailbox from it.
    const runs = await deps.store.history.range('servicedesk', { from: RUN_PREFIX, to: RUN_END });
    expect(runs.map((r) => r.value.kind === 'run' && r.value.worst)).toEqual(['CRIT']);
    const statusRes = await makeStatus(getDeps)(
      new azureFunctions.HttpRequest({
        method: 'GET',
        url: 'http://localhost/api/status/servicedesk',
        params: { mailbox: 'servicedesk' },
      }),
      invocation('status'),
    );
    expect(statusRes.status).toBe(200);
    expect((statusRes.headers as Record<string, string>)['Content-Security-Policy']).toBe(STATUS_CSP);
    expect(String(statusRes.body)).toMatch(/<title>servicedesk: Critical/);
  });

  it('a redelivered message (same run id) does no work twice', async () => {
    const key = identityKey(desk.tenantId, desk.clientId, desk.address);
    const message = { mailboxId: 'servicedesk', runId: `redeliver-${randomBytes(3).toString('hex')}` };
    const first = await makeCheckMailbox(getDeps)(message, invocation('checkMailbox', { dequeueCount: 1 }));
    expect(first.status).toBe('done');
    const tokensBefore = await l.tokenRequests(key);
    const smtpBefore = (await l.smtpStats(desk.address)).connections;
    const mailsBefore = (await l.smtpMessages(desk.address)).length;

    const again = await makeCheckMailbox(getDeps)(message, invocation('checkMailbox', { dequeueCount: 2 }));
    expect(again.status).toBe('duplicate');
    expect(await l.tokenRequests(key)).toBe(tokensBefore);
    expect((await l.smtpStats(desk.address)).connections).toBe(smtpBefore);
    expect((await l.smtpMessages(desk.address)).length).toBe(mailsBefore);
  });

  it('the poison handler raises queue-poison and alerts; the next completed run resolves it', async () => {
    const before = (await l.smtpMessages(desk.address)).length;
    const out = await makePoisonAlert(getDeps)(
      { mailboxId: 'servicedesk', runId: 'poisoned-run' },
      invocation('poisonAlert', { dequeueCount: 5 }),
    );
    expect(out.status).toBe('alerted');
    if (out.status !== 'alerted') return;
    expect(out.result).toMatchObject({ check: 'queue-poison', status: 'CRIT' });
    expect(out.notify.channels).toEqual([{ channel: 'email (from servicedesk)', outcome: 'sent' }]);
    const mails = await l.smtpMessages(desk.address);
    expect(mails.length).toBe(before + 1);
    expect(mails.at(-1)!.raw).toContain('queue-poison');
    expect(mails.at(-1)!.to).toEqual(expect.arrayContaining([desk.admin, desk.reviewer]));

    const run = await makeCheckMailbox(getDeps)(
      { mailboxId: 'servicedesk', runId: `after-poison-${randomBytes(3).toString('hex')}` },
      invocation('checkMailbox', { dequeueCount: 1 }),
    );
    expect(run.status).toBe('done');
    expect((await deps.store.status.get('servicedesk', 'queue-poison'))?.value.status).toBe('OK');
  });

  it('a spam review and a check run on one mailbox never hold two IMAP connections', async () => {
    const doveadm = labEndpoints().doveadm!.configPath;
    let maxSessions = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const who = execFileSync('doveadm', ['-c', doveadm, 'who', '-1', desk.address], { encoding: 'utf8' });
        const sessions = who
          .split('\n')
          .filter((line) => line.includes(desk.address) && line.includes('imap')).length;
        maxSessions = Math.max(maxSessions, sessions);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const [check, reviews] = await Promise.all([
      makeCheckMailbox(getDeps)(
        { mailboxId: 'servicedesk', runId: `concurrent-${randomBytes(3).toString('hex')}` },
        invocation('checkMailbox', { dequeueCount: 1 }),
      ),
      makeSpamReview(getDeps)(timerTick(), invocation('spamReview')),
    ]);
    polling = false;
    await poll;
    const statuses = [check.status, reviews[0]!.status];
    // One took the mailbox's lease, the other found it busy and skipped.
    expect(statuses.filter((s) => s === 'busy')).toHaveLength(1);
    // The poll saw the one session (so it can see sessions at all), and never a second.
    expect(maxSessions).toBe(1);
  });
});
