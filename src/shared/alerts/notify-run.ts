/**
 * After a mailbox run: store each result's status, ask the policy what changed, and send ONE notification
 * grouping every change of the run through every channel. The alert rows (`triggered`, last notified) are
 * written only when at least one channel delivered — a failed send leaves them as they were, so the next run
 * proposes the same notification again.
 *
 * The email channel is not attempted while the sender mailbox cannot send: its `smtp-auth` is CRIT/UNKNOWN or its
 * `sent-quota` is CRIT (another mail would push it over the limit). The webhooks then carry the alert.
 */
import type { LinkIssuer } from '../actions/issue.js';
import type { MailboxConfig } from '../config/load.js';
import type { CheckName, CheckResult } from '../contracts.js';
import type { Logger } from '../logger.js';
import { renderAlert, type AlertChange } from '../report/alert.js';
import { updateWithRetry } from '../state/optimistic.js';
import type { AlertEntity, StateStore, Stored } from '../state/ports.js';
import type { Channel, Notification } from './channels/types.js';
import { decide, DEFAULT_POLICY, type AlertPolicy } from './decide.js';
import { oversizedMoves } from './oversized-moves.js';

export interface NotifyRunOptions {
  store: StateStore;
  mailbox: Pick<MailboxConfig, 'id' | 'address' | 'reviewers'>;
  results: readonly CheckResult[];
  policy: AlertPolicy;
  /** `alerts.email.to` */
  alertRecipients: readonly string[];
  /** The email channel and the mailbox id it sends from, when configured. */
  email?: { channel: Channel; senderMailboxId: string };
  webhooks: readonly Channel[];
  now: Date;
  logger: Logger;
  /** Where docs/deploy.md is published (`alerts.docsUrl`): setup steps link to their section. */
  docsUrl?: string;
  /** Signs "Move to <folder>" links for oversized mail (absent: no buttons). */
  links?: { issuer: LinkIssuer; mailbox: Pick<MailboxConfig, 'id' | 'folders' | 'inbox'> };
}

export interface ChannelOutcome {
  channel: string;
  outcome: 'sent' | 'failed' | 'skipped';
  reason?: string;
}

export interface NotifyRunResult {
  changes: AlertChange[];
  channels: ChannelOutcome[];
  /** true when at least one channel delivered and the alert rows were updated. */
  notified: boolean;
}

/** Why the sender mailbox should not send now, or undefined when it may. */
export async function senderBlocked(
  store: StateStore,
  senderId: string,
  current: { mailboxId: string; results: readonly CheckResult[] },
): Promise<string | undefined> {
  const statusOf = async (check: CheckName) => {
    if (senderId === current.mailboxId) {
      const r = current.results.find((x) => x.check === check);
      if (r) return r.status;
    }
    return (await store.status.get(senderId, check))?.value.status;
  };
  const smtp = await statusOf('smtp-auth');
  if (smtp === 'CRIT' || smtp === 'UNKNOWN') return `sender mailbox ${senderId}: smtp-auth is ${smtp}`;
  if ((await statusOf('sent-quota')) === 'CRIT') return `sender mailbox ${senderId}: sent quota is CRIT`;
  return undefined;
}

/**
 * The status rows of a run and nothing else — no alert decided, nothing sent: for the CLI with a state directory,
 * whose next run reads them as the Function App's cycle does (the inbox check's last oversized list). The rows
 * are the ones notifyRun writes (the same `decide`, whose status part the alert policy does not change).
 */
export async function recordStatusRows(
  store: StateStore,
  mailboxId: string,
  results: readonly CheckResult[],
  now: Date,
): Promise<void> {
  await Promise.all(
    results.map((result) =>
      updateWithRetry(
        store.status,
        mailboxId,
        result.check,
        (cur) => decide({ status: cur?.value }, result, DEFAULT_POLICY, now).next.status,
      ),
    ),
  );
}

export async function notifyRun(o: NotifyRunOptions): Promise<NotifyRunResult> {
  const pk = o.mailbox.id;
  const changes: AlertChange[] = [];
  const proposed: Array<{ check: CheckName; read: Stored<AlertEntity> | undefined; next: AlertEntity }> = [];

  // Each check has its own status and alert rows, so the checks are decided side by side (a run's seven checks
  // would otherwise cost 21 state round trips one after another); changes keep the results' order.
  const decided = await Promise.all(
    o.results.map(async (result) => {
      const alertRow = await o.store.alerts.get(pk, result.check);
      let decision: ReturnType<typeof decide> | undefined;
      // The status row is re-decided on a lost race so the failure count is never lost or counted twice.
      await updateWithRetry(o.store.status, pk, result.check, (cur) => {
        decision = decide({ status: cur?.value, alert: alertRow?.value }, result, o.policy, o.now);
        return decision.next.status;
      });
      return { result, alertRow, decision };
    }),
  );
  for (const { result, alertRow, decision } of decided) {
    if (!decision || decision.action === 'none') continue;
    changes.push({ action: decision.action, result, since: decision.next.status.since });
    proposed.push({ check: result.check, read: alertRow, next: decision.next.alert });
  }
  if (changes.length === 0) return { changes, channels: [], notified: false };

  const moves = o.links ? oversizedMoves(o.links.issuer, o.links.mailbox, changes) : [];
  const input = {
    mailboxId: o.mailbox.id,
    address: o.mailbox.address,
    changes,
    at: o.now,
    ...(moves.length ? { moves } : {}),
    ...(o.docsUrl ? { docsUrl: o.docsUrl } : {}),
  };
  const recipients = [...new Set([...o.mailbox.reviewers, ...o.alertRecipients].map((a) => a.toLowerCase()))];
  const notification: Notification = { input, rendered: renderAlert(input), recipients };

  const outcomes: ChannelOutcome[] = [];
  const attempt = async (channel: Channel) => {
    try {
      await channel.send(notification);
      outcomes.push({ channel: channel.name, outcome: 'sent' });
    } catch (err) {
      const reason = err instanceof Error ? err.message : 'send failed';
      o.logger.warn('alert channel failed', { mailbox: pk, channel: channel.name, reason });
      outcomes.push({ channel: channel.name, outcome: 'failed', reason });
    }
  };
  if (o.email) {
    const blocked =
      recipients.length === 0
        ? 'no recipients'
        : await senderBlocked(o.store, o.email.senderMailboxId, { mailboxId: pk, results: o.results });
    if (blocked) outcomes.push({ channel: o.email.channel.name, outcome: 'skipped', reason: blocked });
    else await attempt(o.email.channel);
  }
  for (const w of o.webhooks) await attempt(w);

  const notified = outcomes.some((x) => x.outcome === 'sent');
  if (notified) {
    for (const p of proposed) {
      // Guarded by the etag read before deciding: if another run notified meanwhile, its row stands.
      const out = p.read
        ? await o.store.alerts.replace(pk, p.check, p.next, p.read.etag)
        : await o.store.alerts.create(pk, p.check, p.next);
      if (!out.ok)
        o.logger.info('alert row changed meanwhile; kept the newer one', { mailbox: pk, check: p.check });
    }
  }
  return { changes, channels: outcomes, notified };
}
