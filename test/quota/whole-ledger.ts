/**
 * The reference the rolled-up ledger is held to: every minute bucket of the watermark's generation, listed whole
 * and summed by `summarize` — how the check counted before hour rows existed — and the hour rows recomputed from
 * those buckets.
 */
import { WATERMARK_ROW } from '../../src/shared/quota/ledger.js';
import { summarize, type Bucket, type QuotaSummary } from '../../src/shared/quota/window.js';
import type { LedgerEntity, TablePort } from '../../src/shared/state/ports.js';

export const limits = { recipientsPerDay: 10_000, messagesPerMinute: 30, warnPercent: 80, critPercent: 95 };

export async function wholeLedger(table: TablePort<LedgerEntity>, mailbox: string) {
  const rows = await table.list(mailbox);
  const wm = rows.find((r) => r.rowKey === WATERMARK_ROW)?.value;
  const gen = wm?.kind === 'watermark' ? wm.generation : undefined;
  const buckets: Bucket[] = [];
  const hours = new Map<
    string,
    { messages: number; recipients: number; busiestMinute: string; busiestMessages: number }
  >();
  for (const r of rows)
    if (r.value.kind === 'bucket' && r.value.generation === gen)
      buckets.push({
        minute: new Date(r.value.minute),
        messages: r.value.messages,
        recipients: r.value.recipients,
      });
    else if (r.value.kind === 'hour' && r.value.generation === gen) {
      const { messages, recipients, busiestMinute, busiestMessages } = r.value;
      hours.set(r.value.hour, { messages, recipients, busiestMinute, busiestMessages });
    }
  return { lastUid: wm?.kind === 'watermark' ? wm.lastUid : undefined, buckets, hours };
}

export async function wholeSummary(
  table: TablePort<LedgerEntity>,
  mailbox: string,
  now: Date,
): Promise<QuotaSummary> {
  return summarize((await wholeLedger(table, mailbox)).buckets, now, limits);
}

/** The hour rows as the minute buckets say they must be (sum, earliest busiest minute), keyed by ISO hour. */
export function hoursFromBuckets(buckets: readonly Bucket[]) {
  const out = new Map<
    string,
    { messages: number; recipients: number; busiestMinute: string; busiestMessages: number }
  >();
  for (const b of [...buckets].sort((x, y) => x.minute.getTime() - y.minute.getTime())) {
    const hour = new Date(Math.floor(b.minute.getTime() / 3_600_000) * 3_600_000).toISOString();
    const h = out.get(hour) ?? { messages: 0, recipients: 0, busiestMinute: '', busiestMessages: 0 };
    h.messages += b.messages;
    h.recipients += b.recipients;
    if (b.messages > h.busiestMessages)
      [h.busiestMessages, h.busiestMinute] = [b.messages, b.minute.toISOString()];
    out.set(hour, h);
  }
  return out;
}
