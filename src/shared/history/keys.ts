/**
 * Row keys of the `history` table (state/history-port.ts): reverse time, so a partition lists newest first and
 * "the last N runs" or "the last 30 days" is one range query. Days are UTC.
 */
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** How long history is kept (the status page's window). */
export const HISTORY_DAYS = 30;

const RUN_MAX = 9_999_999_999_999; // 13 digits of milliseconds: until the year 2286
const DAY_MAX = 99_999_999;

/** The partition of the overview's summary rows (RK = mailbox id); mailbox ids are `[a-z0-9-]`, never `~…`. */
export const SUMMARY_PARTITION = '~summary';

export const RUN_PREFIX = 'r-';
export const DAY_PREFIX = 'd-';
/** '.' sorts right after '-': `[prefix, end)` spans every row of that kind. */
export const RUN_END = 'r.';
export const DAY_END = 'd.';

export function runKey(at: Date): string {
  return RUN_PREFIX + String(RUN_MAX - at.getTime()).padStart(13, '0');
}

/** `YYYY-MM-DD` of a time, in UTC. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function dayKey(day: string): string {
  return DAY_PREFIX + String(DAY_MAX - Number(day.replace(/-/g, ''))).padStart(8, '0');
}

/** Whole UTC days from `from` to `to` (`YYYY-MM-DD` each). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The UTC day `n` days before `day` (`YYYY-MM-DD`). */
export function daysBefore(day: string, n: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) - n * DAY_MS));
}

/** The `HISTORY_DAYS` UTC days ending with the day of `now`, oldest first. */
export function windowDays(now: Date): string[] {
  const today = utcDay(now);
  return Array.from({ length: HISTORY_DAYS }, (_, i) => daysBefore(today, HISTORY_DAYS - 1 - i));
}
