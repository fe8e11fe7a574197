/**
 * The 8-week Junk arrivals chart, drawn with nested HTML tables: Outlook's Word-based renderer ignores CSS flex,
 * grid, SVG and most widths in CSS, but honours `width`/`bgcolor` attributes on table cells. Bars are horizontal
 * so each week is one table row and a bar is one cell whose `width` is proportional to the count.
 */
import type { WeeklyJunk } from './types.js';
import { isoWeekLabel } from './weeks.js';

/** Width in pixels of the longest bar. */
export const BAR_MAX_PX = 300;
const BAR_COLOR = '#c0392b';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Bar width for a count: proportional to the largest count, at least 1 px when the count is not 0. */
export function barWidth(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.max(1, Math.round((count / max) * BAR_MAX_PX));
}

function weekTitle(week: string, current: boolean): { label: string; sub: string } {
  const d = new Date(`${week}T00:00:00Z`);
  const sub = `from ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${current ? ' (so far)' : ''}`;
  return { label: isoWeekLabel(week), sub };
}

/** The chart as an HTML table. Week keys are ours (dates we computed), counts are numbers: nothing from mail. */
export function chartHtml(weeks: readonly WeeklyJunk[]): string {
  const max = Math.max(0, ...weeks.map((w) => w.junkMessages));
  const rows = weeks.map((w, i) => {
    const { label, sub } = weekTitle(w.week, i === weeks.length - 1);
    const width = barWidth(w.junkMessages, max);
    const bar =
      width > 0
        ? `<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="${width}"><tr>` +
          `<td class="bar" data-week="${w.week}" data-count="${w.junkMessages}" bgcolor="${BAR_COLOR}" width="${width}" height="14" style="font-size:1px;line-height:1px">&nbsp;</td>` +
          `</tr></table>`
        : '&nbsp;';
    return (
      `<tr><td width="150" style="font-size:12px">${label} <span style="color:#666666">${sub}</span></td>` +
      `<td width="${BAR_MAX_PX}">${bar}</td>` +
      `<td style="font-size:12px;padding-left:6px" align="right">${w.junkMessages}</td></tr>`
    );
  });
  return (
    `<table role="presentation" cellpadding="2" cellspacing="0" border="0" style="font-family:Segoe UI,Arial,sans-serif">` +
    rows.join('') +
    `</table>`
  );
}

/** The same chart for the text/plain part: `#` bars up to 40 characters. */
export function chartText(weeks: readonly WeeklyJunk[]): string[] {
  const max = Math.max(0, ...weeks.map((w) => w.junkMessages));
  return weeks.map((w, i) => {
    const { label, sub } = weekTitle(w.week, i === weeks.length - 1);
    const n = w.junkMessages > 0 && max > 0 ? Math.max(1, Math.round((w.junkMessages / max) * 40)) : 0;
    return `${label} ${sub.padEnd(22)} ${'#'.repeat(n).padEnd(40)} ${w.junkMessages}`;
  });
}
