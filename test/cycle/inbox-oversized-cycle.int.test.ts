/**
 * The inbox check's oversized search across runs of the Function App's cycle (`runCheckMessage`: every check, the
 * alert policy, the state store) against the lab's Dovecot: the cycle keeps each run's result in the status table,
 * so the next run asks `SEARCH LARGER` only about the known oversized messages and the ones that arrived since —
 * and still finds exactly the new one.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/shared/config/load.js';
import { runCheckMessage } from '../../src/shared/cycle/check-run.js';
import { composeCycleDeps } from '../../src/shared/cycle/compose.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { noopTelemetry } from '../../src/shared/telemetry/app-insights.js';
import { deskConfig, registerDesk } from '../../lab/demo-scenario.js';
import { lab, labEndpoints, requireDovecot } from '../helpers/lab.js';

const HAS_DOVECOT = requireDovecot();
const MAX = 2000;

const raw = (i: number, bytes: number) =>
  `From: caller${i}@customer.example\r\nTo: desk@example.org\r\nSubject: ticket ${i}\r\n\r\n${'x'.repeat(bytes)}\r\n`;

describe.runIf(HAS_DOVECOT)('inbox oversized search across cycle runs', () => {
  it('the second run asks only about the known and the new messages, and finds the new one', async () => {
    const l = lab();
    const e = labEndpoints();
    const desk = await registerDesk(l, 'oversized');
    const doc = deskConfig(desk, { authorityHost: e.authorityHost, imap: e.imap!, smtp: e.smtp! }, 'memory');
    (doc.mailboxes as Array<Record<string, unknown>>)[0]!.inbox = { maxMessageBytes: MAX };
    const store = createMemoryStore();
    const deps = await composeCycleDeps({
      env: { SERVICEDESK_PASSWORD: desk.password },
      logger: silentLogger,
      config: parseConfig(doc, 'test').config,
      store,
      sink: () => noopTelemetry,
    });
    const inbox = async () => (await store.status.get('servicedesk', 'inbox'))!.value.result;
    const uids = (r: Awaited<ReturnType<typeof inbox>>) =>
      (r.details?.oversized as Array<{ uid: number }>).map((o) => o.uid);

    const first = await l.seedMessages(desk.address, 'INBOX', [
      { raw: raw(1, 40) },
      { raw: raw(2, MAX * 2) },
      { raw: raw(3, 40) },
    ]);
    await runCheckMessage(deps, { mailboxId: 'servicedesk', runId: 'r1' });
    const r1 = await inbox();
    expect(r1.details).toMatchObject({ oversizedSearch: 'folder', uidNext: first.uids[2]! + 1 });
    expect(uids(r1)).toEqual([first.uids[1]]);

    const next = await l.seedMessages(desk.address, 'INBOX', [{ raw: raw(4, MAX * 2) }, { raw: raw(5, 40) }]);
    await runCheckMessage(deps, { mailboxId: 'servicedesk', runId: 'r2' });
    const r2 = await inbox();
    expect(r2.details).toMatchObject({ oversizedSearch: 'since-last-run', uidNext: next.uids[1]! + 1 });
    expect(r2.metrics).toMatchObject({ inboxMessages: 5, oversizedMessages: 2, waitingMessages: 3 });
    expect(uids(r2)).toEqual([first.uids[1], next.uids[0]]);
  });
});
