/**
 * `sent-quota`: how close the mailbox is to Exchange Online's sending limits — 10,000 recipients in a rolling
 * 24 h (WARN 80 %, CRIT 95 % by default) and 30 messages a minute — counted from its Sent Items into the ledger
 * (quota/ledger.ts). The monitor's own alert mail, sent from the sender mailbox, is counted like any other.
 *
 * Without a state store (`ctx.state` absent) the last 24 h are recounted each run into a throw-away memory store.
 * Metrics: recipients24h, messages24h, quotaPercent, busiestMinuteMessages, recipientsLastHour, newMessages.
 * Details: { folder, foundBy, language?, mode: 'incremental'|'recount', pages, partial?, reason?, projectedLimitAt?,
 * busiestMinute? }.
 */
import {
  countingWatermark,
  predatesHourRows,
  pruneLedger,
  readLedger,
  recordMessages,
  summarizeLedger,
} from '../quota/ledger.js';
import { scanSentItems } from '../quota/sent-items.js';
import { formatUtc } from '../quota/window.js';
import { failureParts } from './mail-context.js';
import { skippedResult, startCheck } from './result.js';
import { skipIfBlocked } from './skip.js';
import { formatCount, plural } from '../report/units.js';
import type { Check } from './types.js';

export const sentQuotaCheck: Check = async (ctx) => {
  const blocked = skipIfBlocked(ctx, 'sent-quota');
  if (blocked) return blocked;
  const client = ctx.imap.client();
  if (!client?.usable) return skippedResult(ctx, 'sent-quota', 'no usable IMAP session');
  const finish = startCheck(ctx, 'sent-quota');
  const store = ctx.state;
  const id = ctx.mailbox.id;
  let stage = 'ledger read';
  try {
    const now = ctx.clock.now();
    const state = await readLedger(store.ledger, id, now);
    // A ledger written before hour rows existed is recounted (no watermark to continue from): see quota/ledger.ts.
    const upgrade = predatesHourRows(state);
    stage = 'Sent Items';
    const scan = await scanSentItems(client, ctx.mailbox, countingWatermark(state), now, {
      deadline: ctx.deadline,
    });
    if ('found' in scan)
      return finish({
        status: 'UNKNOWN',
        summary: scan.summary,
        details: {
          code: 'SENT_NOT_FOUND',
          fault: 'setup',
          configKey: scan.configKey,
          existingFolders: scan.existing,
        },
        remediation: scan.remediation,
      });
    stage = 'ledger write';
    const rec = await recordMessages(store.ledger, id, state, {
      folder: scan.folder,
      uidValidity: scan.uidValidity,
      messages: scan.messages,
      finalLastUid: scan.lastUidSeen,
      recount: scan.mode === 'recount',
      now,
    });
    // recordMessages leaves the ledger as recorded in `state` (the window's hour and minute rows it read, updated):
    // no second read. After a lost race it is read again.
    const after = rec.conflict ? await readLedger(store.ledger, id, now) : state;
    await pruneLedger(store.ledger, id, after, now);
    const limits = ctx.mailbox.limits;
    const s = summarizeLedger(after, now, limits);
    const metrics: Record<string, number> = {
      recipients24h: s.recipients24h,
      messages24h: s.messages24h,
      quotaPercent: s.quotaPercent,
      busiestMinuteMessages: s.busiestMinute?.messages ?? 0,
      recipientsLastHour: s.recipientsLastHour,
      newMessages: rec.counted,
    };
    const projection = s.projectedLimitAt
      ? s.projectedLimitAt.getTime() <= now.getTime()
        ? 'the limit is reached'
        : `at the last hour's rate the limit is reached ${formatUtc(s.projectedLimitAt)}`
      : undefined;
    const busiest = s.busiestMinute
      ? `busiest minute ${formatUtc(s.busiestMinute.minute)} with ${plural(s.busiestMinute.messages, 'message')} (limit ${formatCount(limits.messagesPerMinute)} a minute)`
      : 'nothing sent in 24 h';
    // Words and units, numbers with separators: "8,500 of 10,000 recipients in 24 h (85 %)".
    const summary =
      `${formatCount(s.recipients24h)} of ${formatCount(limits.recipientsPerDay)} recipients in 24 h (${s.quotaPercent} %); ${busiest}` +
      (projection ? `; ${projection}` : '') +
      (scan.partial
        ? `; ${plural(scan.partial.pendingMessages, 'message')} not yet read (deadline), counted on the next run`
        : '');
    const details: Record<string, unknown> = {
      folder: scan.folder,
      foundBy: scan.foundBy,
      ...(scan.language ? { language: scan.language } : {}),
      mode: scan.mode,
      limits: { recipientsPerDay: limits.recipientsPerDay, messagesPerMinute: limits.messagesPerMinute },
      pages: scan.pages,
      ...(scan.partial ? { partial: scan.partial } : {}),
      ...(upgrade ? { reason: 'ledger-upgrade' } : scan.reason ? { reason: scan.reason } : {}),
      ...(s.projectedLimitAt ? { projectedLimitAt: s.projectedLimitAt.toISOString() } : {}),
      ...(s.busiestMinute ? { busiestMinute: s.busiestMinute.minute.toISOString() } : {}),
      ...(rec.conflict ? { conflict: true } : {}),
    };
    if (s.status === 'OK') return finish({ status: 'OK', summary, metrics, details });
    const overQuota = s.quotaPercent >= limits.warnPercent;
    return finish({
      status: s.status,
      summary,
      metrics,
      details,
      remediation: overQuota
        ? {
            cause: `the mailbox sent to ${formatCount(s.recipients24h)} recipients in the last 24 h; Exchange Online refuses mail above ${formatCount(limits.recipientsPerDay)} (554 5.2.0 SubmissionQuotaExceededException)`,
            fix: 'reduce automatic replies and notifications from this mailbox or spread them over time; the window is rolling, so sending recovers as old messages age out',
          }
        : {
            cause: `more than ${limits.messagesPerMinute} messages in one minute: Exchange Online delays mail above that rate`,
            fix: 'throttle bulk notifications from the service desk (send in smaller batches)',
          },
    });
  } catch (err) {
    if (stage.startsWith('ledger'))
      return finish({
        status: 'UNKNOWN',
        summary: `sent quota ledger unavailable (${stage}): ${(err as Error)?.message ?? 'error'}`,
        details: { stage, code: 'ESTATE', fault: 'monitor' },
      });
    return finish(failureParts('IMAP', err, ctx.mailbox, stage, { details: { stage } }));
  }
};
