/** ISO weeks in UTC: a week starts on Monday 00:00 UTC (timers run in UTC on Flex Consumption). */

const DAY_MS = 86_400_000;

/** The Monday 00:00 UTC of the ISO week containing `d`. */
export function weekStart(d: Date): Date {
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY_MS);
}

/** `YYYY-MM-DD` of the week's Monday: the key of the weekly counts. */
export function weekKey(d: Date): string {
  return weekStart(d).toISOString().slice(0, 10);
}

/** The ISO week number label, e.g. `2026-W48` (the year is the ISO week-numbering year). */
export function isoWeekLabel(week: string): string {
  const monday = new Date(`${week}T00:00:00Z`);
  // The Thursday of a week decides its ISO year (ISO 8601).
  const thursday = new Date(monday.getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const n = Math.floor((thursday.getTime() - jan1) / DAY_MS / 7) + 1;
  return `${year}-W${String(n).padStart(2, '0')}`;
}

/** The keys of the `count` weeks ending with the week of `now`, oldest first. */
export function lastWeeks(now: Date, count: number): string[] {
  const current = weekStart(now).getTime();
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--)
    out.push(new Date(current - i * 7 * DAY_MS).toISOString().slice(0, 10));
  return out;
}

/**
 * Weekly counts for the chart: what is counted in the folder now, never less than what an earlier review counted
 * (Exchange empties Junk after 30 days and admins move mails out, so old weeks shrink in the folder but not in
 * history).
 */
export function mergeWeekly(
  weeks: readonly string[],
  counted: ReadonlyMap<string, number>,
  previous: ReadonlyArray<{ week: string; junkMessages: number }>,
): Array<{ week: string; junkMessages: number }> {
  const before = new Map(previous.map((w) => [w.week, w.junkMessages]));
  return weeks.map((week) => ({
    week,
    junkMessages: Math.max(counted.get(week) ?? 0, before.get(week) ?? 0),
  }));
}
