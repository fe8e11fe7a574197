/**
 * Inline SVG for the status pages: the 30-day bar of daily worst status (as Gatus draws uptime), the 24-h
 * sparkline and the 30-day line charts. Only numbers and our own status names reach the markup; every SVG has
 * role="img" and a text alternative that says what a sighted reader sees. Axis labels live in HTML beside the
 * SVG so they keep their size when the chart is scaled to a phone's width.
 */
import type { Status } from '../contracts.js';
import type { DayCell, Point } from '../history/read.js';
import { html, trusted, type Html } from './html-template.js';

/** Fill colours (the legend and the badges use the same). */
export const STATUS_FILL: Record<Status | 'NONE', string> = {
  OK: '#2da44e',
  WARN: '#d4a72c',
  UNKNOWN: '#8c959f',
  CRIT: '#cf222e',
  NONE: '#e1e5ea',
};

const round1 = (n: number) => Math.round(n * 10) / 10;

export function formatNumber(n: number): string {
  return Number.isInteger(round1(n)) ? String(round1(n)) : round1(n).toFixed(1);
}

/**
 * One formatter for every call: `toLocaleDateString` builds a new one each time, ~0.3 ms a call (30 per row). Built
 * on first use, not when the module loads: the first `Intl` formatter of a process loads ICU's locale data, ~20 ms
 * that the Function App's cold start would otherwise pay before any page is asked for.
 */
let shortDayFormat: Intl.DateTimeFormat | undefined;

/** A short date like `2 Nov` (UTC). */
export function shortDay(day: string | number): string {
  shortDayFormat ??= new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  return shortDayFormat.format(new Date(typeof day === 'number' ? day : `${day}T00:00:00Z`));
}

/** The 30-day bar: one cell per UTC day, its worst status, a title per cell for pointer users. */
export function dayBar(days: readonly DayCell[], size: 'small' | 'large' = 'small'): Html {
  const w = size === 'small' ? 5 : 10;
  const gap = size === 'small' ? 1 : 2;
  const h = size === 'small' ? 22 : 34;
  const counts = new Map<string, number>();
  for (const d of days) counts.set(d.worst ?? 'no data', (counts.get(d.worst ?? 'no data') ?? 0) + 1);
  const label =
    `Daily worst status, last ${days.length} days: ` +
    [...counts].map(([s, n]) => `${n} ${n === 1 ? 'day' : 'days'} ${s}`).join(', ');
  const width = days.length * (w + gap) - gap;
  // The bar may stretch to its container (no aspect ratio to keep: it is only rectangles). The cells are joined
  // without the template's indentation: 30 per row and hundreds of rows make the bulk of the overview's bytes.
  // Only numbers, our colours, our status names and `shortDay`'s digits and month names go into them.
  const cells = days
    .map(
      (d, i) =>
        `<rect x="${i * (w + gap)}" width="${w}" height="${h}" rx="1.5" fill="${STATUS_FILL[d.worst ?? 'NONE']}">` +
        `<title>${shortDay(d.day)}: ${d.worst ?? 'no data'}${d.runs ? ` (${d.runs} runs)` : ''}</title></rect>`,
    )
    .join('');
  return html`<svg
    class="bar ${size}"
    role="img"
    aria-label="${label}"
    viewBox="0 0 ${width} ${h}"
    width="${width}"
    height="${h}"
    preserveAspectRatio="none"
  >
    ${trusted(cells)}
  </svg>`;
}

/** A 24-value sparkline (nulls are gaps); the label states the range. */
export function sparkline(values: ReadonlyArray<number | null>, what: string): Html {
  const W = 96;
  const H = 24;
  const known = values.filter((v): v is number => v !== null);
  if (!known.length) return html`<span class="muted">no data</span>`;
  const max = Math.max(5, ...known) * 1.1;
  const x = (i: number) => round1((i * W) / Math.max(1, values.length - 1));
  const y = (v: number) => round1(H - 1 - (v / max) * (H - 2));
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) return void (pen = false);
    d += `${pen ? 'L' : 'M'}${x(i)} ${y(v)}`;
    pen = true;
  });
  const dots = values.flatMap((v, i) => (v !== null && (i === 0 || values[i - 1] === null) ? [[i, v]] : []));
  const label = `${what}, last 24 hours: from ${formatNumber(Math.min(...known))} to ${formatNumber(Math.max(...known))}`;
  return html`<svg
    class="spark"
    role="img"
    aria-label="${label}"
    viewBox="0 0 ${W} ${H}"
    width="${W}"
    height="${H}"
  >
    <path d="${d}" fill="none" stroke="#0969da" stroke-width="1.5" stroke-linejoin="round" />
    ${dots.map(([i, v]) => html`<circle cx="${x(i!)}" cy="${y(v!)}" r="1.5" fill="#0969da" />`)}
  </svg>`;
}

export interface LineChartInput {
  title: string;
  unit: string;
  points: readonly Point[];
  from: number;
  to: number;
  /** Dashed reference lines (the configured warn/crit thresholds). */
  thresholds?: Array<{ value: number; label: string; status: Status }>;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `v`: a y-axis top a reader can take in. */
export function niceCeiling(v: number): number {
  const k = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((f) => f * k >= v) ?? 10) * k;
}

/** An hourly line over the window: gaps where no run reported; axis labels in HTML. */
export function lineChart(c: LineChartInput): Html {
  const W = 720;
  const H = 160;
  const maxV = niceCeiling(
    Math.max(1, ...c.points.map((p) => p.v), ...(c.thresholds ?? []).map((t) => t.value)) * 1.05,
  );
  const x = (t: number) => round1(((t - c.from) / (c.to - c.from)) * W);
  const y = (v: number) => round1(H - (v / maxV) * (H - 4));
  let d = '';
  let prev: number | undefined;
  for (const p of c.points) {
    d += `${prev !== undefined && p.t - prev <= 3_600_000 ? 'L' : 'M'}${x(p.t)} ${y(p.v)}`;
    prev = p.t;
  }
  const last = c.points[c.points.length - 1];
  const peak = c.points.reduce<Point | undefined>((a, p) => (!a || p.v > a.v ? p : a), undefined);
  const label = c.points.length
    ? `${c.title}, hourly over 30 days: highest ${formatNumber(peak!.v)} ${c.unit} on ${shortDay(peak!.t)}, latest ${formatNumber(last!.v)} ${c.unit}`
    : `${c.title}: no data in the last 30 days`;
  const grid = [0.25, 0.5, 0.75].map((f) => y(maxV * f));
  const weeks = Array.from({ length: 4 }, (_, i) => x(c.to - (i + 1) * 7 * 86_400_000));
  return html`<figure class="chart">
    <figcaption>${c.title} <span class="muted">(${c.unit}, hourly maximum)</span></figcaption>
    <div class="plot">
      <span class="ymax">${formatNumber(maxV)}</span>
      <svg
        role="img"
        aria-label="${label}"
        viewBox="0 0 ${W} ${H}"
        preserveAspectRatio="none"
        width="100%"
        height="${H}"
      >
        <rect x="0" y="0" width="${W}" height="${H}" fill="#f6f8fa" />
        ${grid.map((gy) => html`<line x1="0" x2="${W}" y1="${gy}" y2="${gy}" stroke="#d8dee4" stroke-width="1" vector-effect="non-scaling-stroke" />`)}
        ${weeks.map((wx) => html`<line x1="${wx}" x2="${wx}" y1="0" y2="${H}" stroke="#d8dee4" stroke-width="1" vector-effect="non-scaling-stroke" />`)}
        ${(c.thresholds ?? []).map((t) => html`<line x1="0" x2="${W}" y1="${y(t.value)}" y2="${y(t.value)}" stroke="${STATUS_FILL[t.status]}" stroke-width="1.5" stroke-dasharray="6 4" vector-effect="non-scaling-stroke" />`)}
        <path
          d="${d}"
          fill="none"
          stroke="#0969da"
          stroke-width="2"
          stroke-linejoin="round"
          vector-effect="non-scaling-stroke"
        />
      </svg>
      <div class="xaxis">
        <span>${shortDay(c.from)}</span><span>${shortDay(c.from + (c.to - c.from) / 2)}</span><span>now</span>
      </div>
    </div>
    ${c.thresholds?.length ? html`<p class="legend">${c.thresholds.map((t) => html`<span><i class="dash" style="border-color:${STATUS_FILL[t.status]}"></i>${t.label} ${formatNumber(t.value)} ${c.unit}</span>`)}</p>` : ''}
  </figure>`;
}
