/**
 * What the real Functions host does to the handlers and they must survive, driven through the real handlers
 * against the lab (Entra emulator, Dovecot, smtp-server, Azurite tables and queues): the timer's catch-up run
 * after a restart, a check message delivered twice at once, a message poisoned after maxDequeueCount deliveries,
 * and a message on the poison queue that is not even base64.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCheckMailbox } from '../../src/functions/check-mailbox.js';
import { makeDispatchChecks } from '../../src/functions/dispatch-checks.js';
import { makePoisonAlert } from '../../src/functions/poison-alert.js';
import { makeSpamReview } from '../../src/functions/spam-review.js';
import { parseConfig } from '../../src/shared/config/load.js';
import { composeCycleDeps } from '../../src/shared/cycle/compose.js';
import type { CycleDeps } from '../../src/shared/cycle/deps.js';
import { MONITOR_SCOPE } from '../../src/shared/cycle/poison.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createTableStoreFromConnectionString } from '../../src/shared/state/table-store.js';
import { HostQueue, invocation, timerTick } from '../../lab/demo-harness.js';
import { deskConfig, deskMail, registerDesk, type DeskIdentity } from '../../lab/demo-scenario.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

/** The plain-text part of a captured mail (the raw form may be quoted-printable). */
const textOf = async (raw: string) => (await simpleParser(raw)).text ?? '';

const hostJson = JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8')) as {
  extensions: { queues: { maxDequeueCount: number } };
};

describe.runIf(requireDovecot())(
  'the handlers under the host’s catch-up runs, redeliveries and poison',
  () => {
    let desk: DeskIdentity;
    let deps: CycleDeps;
    const getDeps = async () => deps;
    const l = lab();
    const azurite = () => labEndpoints().azurite!.connectionString;
    /** Mails the desk mailbox sent (digests and alerts go out from it). */
    const sent = async () => l.smtpMessages(desk.address);

    beforeAll(async () => {
      const e = labEndpoints();
      desk = await registerDesk(l, 'slots');
      const mail = deskMail(desk, new Date());
      await l.seedMessages(desk.address, 'INBOX', mail.inbox.slice(0, 1));
      await l.seedMessages(desk.address, 'Junk Email', mail.junk.slice(0, 3));
      const store = createTableStoreFromConnectionString(azurite(), {
        prefix: `hr${randomBytes(4).toString('hex')}`,
      });
      const doc = deskConfig(
        desk,
        { authorityHost: e.authorityHost, imap: e.imap!, smtp: e.smtp! },
        'memory',
      );
      deps = await composeCycleDeps({
        env: { SERVICEDESK_PASSWORD: desk.password },
        logger: silentLogger,
        config: parseConfig(doc, 'test').config,
        store,
      });
    });

    it('a past-due spam review of a slot already done sends nothing; a missed slot still runs once', async () => {
      // Occurrences in the past: the host never serves one from the future (a `next` ahead of now is not trusted).
      const monday = new Date('2026-11-23T07:00:00Z');
      const before = (await sent()).length;
      const [first] = await makeSpamReview(getDeps)(timerTick(false, monday), invocation('spamReview'));
      expect(first!.status).toBe('sent');
      expect((await sent()).length).toBe(before + 1);

      // The host restarted before recording the run: it fires again, past due, for the same occurrence.
      const [again] = await makeSpamReview(getDeps)(timerTick(true, monday), invocation('spamReview'));
      expect(again).toMatchObject({ status: 'already-done', slot: '2026-11-23T07:00:00Z' });
      expect((await sent()).length).toBe(before + 1);

      // The next week's occurrence was missed while the host was down: its catch-up run sends it, once.
      const next = new Date('2026-11-30T07:00:00Z');
      const [missed] = await makeSpamReview(getDeps)(timerTick(true, next), invocation('spamReview'));
      expect(missed!.status).toBe('sent');
      const [twice] = await makeSpamReview(getDeps)(timerTick(true, next), invocation('spamReview'));
      expect(twice!.status).toBe('already-done');
      expect((await sent()).length).toBe(before + 2);
    });

    it('dispatches each slot once, with run ids unique even for slots seconds apart', async () => {
      const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000 + 10_000);
      const run = async (pastDue: boolean, at: Date) => {
        const queue = new HostQueue(azurite(), `dispatch-${randomBytes(4).toString('hex')}`);
        await queue.ensure();
        const out = await makeDispatchChecks(getDeps, { queue: async () => queue, spreadSeconds: () => 0 })(
          timerTick(pastDue, at),
          invocation('dispatchChecks'),
        );
        return { out, messages: queue.sent.map((s) => s.message as { runId: string }) };
      };
      const a = await run(false, slot);
      const b = await run(false, new Date(slot.getTime() + 10_000)); // a 10-second schedule
      expect(a.messages).toHaveLength(1);
      expect(b.messages).toHaveLength(1);
      expect(a.messages[0]!.runId).not.toBe(b.messages[0]!.runId);
      // The catch-up run of the first slot after a restart queues nothing again.
      const c = await run(true, slot);
      expect(c.out.status).toBe('already-done');
      expect(c.messages).toEqual([]);
    });

    it('two executions of one message at once: one done, one busy', async () => {
      const message = { mailboxId: 'servicedesk', runId: `overlap-${randomBytes(3).toString('hex')}` };
      const outcomes = await Promise.all([
        makeCheckMailbox(getDeps)(message, invocation('checkMailbox', { dequeueCount: 1 })),
        makeCheckMailbox(getDeps)(message, invocation('checkMailbox', { dequeueCount: 2 })),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['busy', 'done']);
    });

    it(`poisoned after ${hostJson.extensions.queues.maxDequeueCount} deliveries, the alert says so`, async () => {
      const queue = new HostQueue(azurite(), `poison-${randomBytes(4).toString('hex')}`);
      await queue.ensure();
      // A state store whose tables are gone: every delivery of checkMailbox throws, as in a Table Storage outage.
      const broken: CycleDeps = {
        ...deps,
        store: createTableStoreFromConnectionString(azurite(), {
          prefix: `gone${randomBytes(4).toString('hex')}`,
        }),
      };
      const runId = '2026-12-01T09:05:00Z-servicedesk';
      await queue.send([{ message: { mailboxId: 'servicedesk', runId }, delaySeconds: 0 }]);
      let poisoned = 0;
      let deliveries = 0;
      for (let i = 0; i < 20 && poisoned === 0; i++) {
        const r = await queue.drain(
          async (body, meta) => {
            deliveries++;
            await makeCheckMailbox(async () => broken)(body, invocation('checkMailbox', { ...meta }));
          },
          { retryAfterSeconds: 1 },
        );
        poisoned += r.poisoned;
        if (poisoned === 0) await new Promise((res) => setTimeout(res, 1_100));
      }
      expect(deliveries).toBe(hostJson.extensions.queues.maxDequeueCount);

      const before = (await sent()).length;
      const seen: number[] = [];
      const outcomes: string[] = [];
      const poisonQueue = new HostQueue(azurite(), queue.poison.name);
      await poisonQueue.drain(async (body, meta) => {
        seen.push(meta.dequeueCount);
        const o = await makePoisonAlert(getDeps)(body, invocation('poisonAlert', { ...meta }));
        outcomes.push(o.status);
        if (o.status === 'alerted') {
          expect(o.result.summary).toContain(`failed ${hostJson.extensions.queues.maxDequeueCount} times`);
          expect(o.result.summary).toContain('queued 2026-12-01 09:05 UTC');
          expect(o.result.details).toMatchObject({ lastFailureAt: expect.any(String) });
        }
      });
      // The poison queue's own count is its first delivery there — not what the alert reports.
      expect(seen).toEqual([1]);
      expect(outcomes).toEqual(['alerted']);
      const mails = await sent();
      expect(mails.length).toBe(before + 1);
      expect(await textOf(mails.at(-1)!.raw)).toContain(
        `failed ${hostJson.extensions.queues.maxDequeueCount} times`,
      );
    });

    it('a message on the poison queue that is not base64 (nor JSON) still alerts: queue and size, no content', async () => {
      const queue = new HostQueue(azurite(), `raw-${randomBytes(4).toString('hex')}-poison`);
      await queue.ensure();
      const junk = 'not base64 <secret-looking-payload> %%%';
      await queue.sendRaw(junk);
      const before = (await sent()).length;
      const outcomes: string[] = [];
      const drained = await queue.drain(async (body, meta) => {
        const o = await makePoisonAlert(getDeps)(body, invocation('poisonAlert', { ...meta }));
        outcomes.push(o.status);
      });
      expect(drained.handled).toBe(1);
      expect(outcomes).toEqual(['unreadable-alerted']);
      const mails = await sent();
      expect(mails.length).toBe(before + 1);
      const raw = mails.at(-1)!.raw;
      expect(raw).toContain('mailbox-checks');
      expect(raw).toContain(`${Buffer.byteLength(junk)}-byte`);
      expect(raw).not.toContain('secret-looking-payload');
      expect(mails.at(-1)!.to).toEqual([desk.admin]);
      expect((await deps.store.status.get(MONITOR_SCOPE, 'queue-poison'))?.value.status).toBe('CRIT');
    });
  },
);
