import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/shared/alerts/decide.js';
import { notifyRun, type NotifyRunOptions } from '../../src/shared/alerts/notify-run.js';
import type { Channel, Notification } from '../../src/shared/alerts/channels/types.js';
import type { CheckName, CheckResult, Status } from '../../src/shared/contracts.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';

const r = (check: CheckName, status: Status, mailbox = 'desk'): CheckResult => ({
  check,
  mailbox,
  status,
  summary: `${check} ${status}`,
  metrics: {},
  durationMs: 1,
  at: '2026-11-27T10:00:00.000Z',
});

function recorder(name: string, fail = false): Channel & { got: Notification[] } {
  const got: Notification[] = [];
  return {
    name,
    got,
    validate: () => [],
    async send(n) {
      if (fail) throw new Error(`${name} down`);
      got.push(n);
    },
  };
}

function options(over: Partial<NotifyRunOptions>): NotifyRunOptions {
  return {
    store: createMemoryStore(),
    mailbox: { id: 'desk', address: 'desk@contoso.com', reviewers: ['Admin@contoso.com'] },
    results: [],
    policy: DEFAULT_POLICY,
    alertRecipients: ['admin@contoso.com', 'ops@contoso.com'],
    webhooks: [],
    now: new Date('2026-11-27T10:00:00Z'),
    logger: silentLogger,
    ...over,
  };
}

describe('notifyRun', () => {
  it('groups every change of a run into one notification to reviewers and recipients', async () => {
    const email = recorder('email');
    const hook = recorder('hook');
    const o = options({ email: { channel: email, senderMailboxId: 'desk' }, webhooks: [hook] });
    const run = (at: string, results: CheckResult[]) => notifyRun({ ...o, results, now: new Date(at) });
    const first = await run('2026-11-27T10:00:00Z', [r('imap-login', 'CRIT'), r('inbox', 'WARN')]);
    expect(first.changes.map((c) => c.result.check)).toEqual(['inbox']); // imap-login needs 2 failures
    const second = await run('2026-11-27T10:05:00Z', [r('imap-login', 'CRIT'), r('inbox', 'WARN')]);
    expect(second.changes.map((c) => [c.action, c.result.check])).toEqual([['trigger', 'imap-login']]);
    expect(email.got.length).toBe(2);
    expect(hook.got.length).toBe(2);
    expect(email.got[0]!.recipients).toEqual(['admin@contoso.com', 'ops@contoso.com']);
    expect((await o.store.alerts.get('desk', 'imap-login'))?.value.triggered).toBe(true);
    const third = await run('2026-11-27T10:10:00Z', [r('imap-login', 'OK'), r('inbox', 'OK')]);
    expect(third.changes.map((c) => c.action)).toEqual(['resolve', 'resolve']);
    expect(email.got[2]!.rendered.subject).toMatch(
      /^RESOLVED .*: IMAP login works again · mail is fetched again$/,
    );
  });

  it('links the setup step to its section of docs/deploy.md at alerts.docsUrl, in HTML and plain text', async () => {
    const email = recorder('email');
    const failed: CheckResult = {
      ...r('auth', 'CRIT'),
      summary: 'AADSTS7000218: the app is not a public client',
      remediation: {
        cause: 'public client flows are off',
        fix: 'turn them on',
        setupStep: 'public-client-flows',
      },
      details: { fault: 'setup' },
    };
    const o = options({
      email: { channel: email, senderMailboxId: 'other' },
      docsUrl: 'https://wiki.contoso.com/mailbox-health/deploy',
      policy: { ...DEFAULT_POLICY, failuresBeforeAlert: 1 },
    });
    await notifyRun({ ...o, results: [failed] });
    const url = 'https://wiki.contoso.com/mailbox-health/deploy#delegated-ropc--the-vendor-guides-steps';
    const sent = email.got[0]!.rendered;
    expect(sent.html).toContain(`href="${url}"`);
    expect(sent.text).toContain(url);
  });

  it('skips email when the sender cannot send (smtp-auth CRIT) and lets the webhook carry it', async () => {
    const email = recorder('email');
    const hook = recorder('hook');
    const o = options({
      email: { channel: email, senderMailboxId: 'desk' },
      webhooks: [hook],
      results: [r('smtp-auth', 'CRIT'), r('junk', 'WARN')],
      policy: { ...DEFAULT_POLICY, failuresBeforeAlert: 1 },
    });
    const out = await notifyRun(o);
    expect(out.channels).toEqual([
      { channel: 'email', outcome: 'skipped', reason: 'sender mailbox desk: smtp-auth is CRIT' },
      { channel: 'hook', outcome: 'sent' },
    ]);
    expect(email.got.length).toBe(0);
    expect(out.notified).toBe(true);
  });

  it("skips email when another sender mailbox's quota is CRIT in the status table", async () => {
    const store = createMemoryStore();
    await store.status.upsert('sender', 'sent-quota', {
      check: 'sent-quota',
      status: 'CRIT',
      result: r('sent-quota', 'CRIT', 'sender'),
      since: '2026-11-27T09:00:00.000Z',
      consecutiveFailures: 3,
    });
    const email = recorder('email');
    const out = await notifyRun(
      options({ store, email: { channel: email, senderMailboxId: 'sender' }, results: [r('junk', 'WARN')] }),
    );
    expect(out.channels[0]).toMatchObject({
      outcome: 'skipped',
      reason: 'sender mailbox sender: sent quota is CRIT',
    });
    expect(out.notified).toBe(false);
    expect(await store.alerts.get('desk', 'junk')).toBeUndefined();
  });

  it('when every channel fails nothing is marked triggered and the next run tries again', async () => {
    const down = recorder('hook', true);
    const o = options({ webhooks: [down], results: [r('junk', 'WARN')] });
    const first = await notifyRun(o);
    expect(first.notified).toBe(false);
    expect(first.channels[0]).toMatchObject({ outcome: 'failed', reason: 'hook down' });
    expect(await o.store.alerts.get('desk', 'junk')).toBeUndefined();
    const up = recorder('hook');
    const second = await notifyRun({ ...o, webhooks: [up], now: new Date('2026-11-27T10:05:00Z') });
    expect(second.changes.map((c) => c.action)).toEqual(['trigger']);
    expect(up.got.length).toBe(1);
    expect((await o.store.alerts.get('desk', 'junk'))?.value).toMatchObject({
      triggered: true,
      severity: 'WARN',
    });
    expect((await o.store.status.get('desk', 'junk'))?.value.consecutiveFailures).toBe(2);
  });
});
