/**
 * Rolling-window arithmetic of the sent-quota ledger, pure: Exchange Online limits a mailbox to 10,000 recipients
 * in any rolling 24 h (recipients per message, not unique) and delays mail above 30 messages a minute
 * (docs/exchange-online.md "Limits"). Buckets are whole UTC minutes.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Buckets are kept for 48 h: 24 h of window plus a day of history for the digest and investigations. */
export const RETENTION_MS = 2 * DAY_MS;

export interface Bucket {
  /** Start of the UTC minute. */
  minute: Date;
  messages: number;
  recipients: number;
}

export interface QuotaLimits {
  recipientsPerDay: number;
  messagesPerMinute: number;
  warnPercent: number;
  critPercent: number;
}

export interface QuotaSummary {
  recipients24h: number;
  messages24h: number;
  quotaPercent: number;
  busiestMinute?: { minute: Date; messages: number };
  recipientsLastHour: number;
  /** When the limit is reached at the last hour's rate (within 24 h), if it is. */
  projectedLimitAt?: Date;
  status: 'OK' | 'WARN' | 'CRIT';
}

export function floorMinute(d: Date): Date {
  return new Date(Math.floor(d.getTime() / MINUTE_MS) * MINUTE_MS);
}

/**
 * A bucket is in the window (now − span, now] when its minute started after now − span − 1 min, i.e. any part of
 * the minute lies inside: a message sent at 10:00:30 still counts at 10:00:10 the next day. Rounding this way
 * over- rather than under-counts, which is the safe side for a limit.
 */
export function inWindow(minute: Date, now: Date, spanMs: number): boolean {
  const t = minute.getTime();
  return t > now.getTime() - spanMs - MINUTE_MS && t <= now.getTime();
}

export function floorHour(d: Date): Date {
  return new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
}

/** What the window holds, before it is judged against the limits (summarize and the ledger's hour rows both give it). */
export interface WindowTotals {
  recipients24h: number;
  messages24h: number;
  recipientsLastHour: number;
  busiest?: { minute: Date; messages: number };
}

/**
 * Whether `b` takes over as the busiest minute from `a`: more messages, or as many in an earlier minute — the
 * minute a chronological scan keeping the first maximum would name, whatever order the parts are added in.
 */
export function busier(
  b: { minute: Date; messages: number },
  a: { minute: Date; messages: number } | undefined,
): boolean {
  return !a || b.messages > a.messages || (b.messages === a.messages && b.minute < a.minute);
}

export function summarize(buckets: readonly Bucket[], now: Date, limits: QuotaLimits): QuotaSummary {
  const t: WindowTotals = { recipients24h: 0, messages24h: 0, recipientsLastHour: 0 };
  for (const b of buckets) {
    if (!inWindow(b.minute, now, DAY_MS)) continue;
    t.recipients24h += b.recipients;
    t.messages24h += b.messages;
    if (inWindow(b.minute, now, HOUR_MS)) t.recipientsLastHour += b.recipients;
    if (busier(b, t.busiest)) t.busiest = { minute: b.minute, messages: b.messages };
  }
  return judge(t, now, limits);
}

/** The summary of the window's totals: quota percent, projection and status. */
export function judge(t: WindowTotals, now: Date, limits: QuotaLimits): QuotaSummary {
  const { recipients24h, messages24h, recipientsLastHour, busiest } = t;
  const quotaPercent = Math.round((recipients24h / limits.recipientsPerDay) * 1000) / 10;
  let projectedLimitAt: Date | undefined;
  const remaining = limits.recipientsPerDay - recipients24h;
  if (remaining <= 0) projectedLimitAt = now;
  else if (recipientsLastHour > 0) {
    // Linear at the last hour's rate; ignores recipients leaving the window, so it errs early (the safe side).
    const ms = (remaining / recipientsLastHour) * HOUR_MS;
    if (ms <= DAY_MS) projectedLimitAt = floorMinute(new Date(now.getTime() + ms));
  }
  const status =
    quotaPercent >= limits.critPercent
      ? 'CRIT'
      : quotaPercent >= limits.warnPercent || (busiest?.messages ?? 0) > limits.messagesPerMinute
        ? 'WARN'
        : 'OK';
  return {
    recipients24h,
    messages24h,
    quotaPercent,
    ...(busiest ? { busiestMinute: busiest } : {}),
    recipientsLastHour,
    ...(projectedLimitAt ? { projectedLimitAt } : {}),
    status,
  };
}

/**
 * "2026-11-27 14:20 UTC": always with the date. A summary is read later than it is written (status page, history,
 * a forwarded alert), so "14:20" alone or "today" would point at the wrong day.
 */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 10)} ${at.toISOString().slice(11, 16)} UTC`;
}
