/**
 * What one run reads of the sent-quota ledger (ledger.ts says how it is written), and the 24 h summary from it.
 *
 * A busy desk has a minute bucket for each minute it sent in the last 48 h (~1,400–2,900 rows); reading them all
 * every run cost 2–3 paged Table Storage queries and most of the check's own time. Each generation therefore also
 * keeps one row per UTC hour (`h-<generation>-<yyyymmddhh>`: messages, recipients, the busiest minute), written in
 * the same transaction as the minutes it sums. A run reads, after the watermark (a point read that names the
 * generation), three row-key ranges whose size does not depend on how much was sent:
 * - the hour rows from the window's first whole hour through the current hour (≤ 25);
 * - the minute rows of the window's oldest, partial hour (≤ 59): the window starts mid-hour;
 * - the minute rows of the last 61 minutes: the last hour's recipients, the current hour's minutes (its hour row
 *   may hold minutes after `now`, which do not count yet), and where new messages usually land.
 * Any other minute or hour a new message adds to is read before it is written (one range each, see
 * `ensureRows`): an upsert needs the count already there.
 *
 * The summary is exactly what summing every minute bucket gives (test/quota/ledger-rollup.test.ts compares both on
 * random ledgers): a window minute is counted from its hour row when the whole hour lies in the window, else from
 * its own row, and never twice.
 */
import type {
  LedgerBucketEntity,
  LedgerEntity,
  LedgerHourEntity,
  LedgerWatermarkEntity,
  Stored,
} from '../state/ports.js';
import type { RangeTablePort } from '../state/history-port.js';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  busier,
  floorMinute,
  judge,
  type QuotaLimits,
  type QuotaSummary,
  type WindowTotals,
} from './window.js';

export const WATERMARK_ROW = 'watermark';
export type LedgerTable = RangeTablePort<LedgerEntity>;

function compact(ms: number, digits: 10 | 12): string {
  const iso = new Date(ms).toISOString(); // 2026-11-27T14:20:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}`.slice(
    0,
    digits,
  );
}

/** `b-<generation>-<yyyymmddhhmm>`: fixed-width digits, so within a generation row-key order is time order. */
export function bucketRowKey(generation: string, minute: Date | number): string {
  return `b-${generation}-${compact(floorMinute(new Date(minute)).getTime(), 12)}`;
}

/** `h-<generation>-<yyyymmddhh>`. */
export function hourRowKey(generation: string, hour: Date | number): string {
  return `h-${generation}-${compact(Math.floor(new Date(hour).getTime() / HOUR_MS) * HOUR_MS, 10)}`;
}

const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** [from, to) in ms. */
type Span = readonly [number, number];

/** The rows of one generation this run knows, and where it knows that a missing row means "nothing sent". */
export interface LedgerView {
  generation: string;
  /** Started by this run: every row of the generation is in the maps, nothing to read. */
  complete: boolean;
  /** Minute start (ms) → its bucket. */
  minutes: Map<number, LedgerBucketEntity>;
  /** Hour start (ms) → its hour row. */
  hours: Map<number, LedgerHourEntity>;
  /** Spans of minute starts whose rows were read: a minute inside without a row sent nothing. */
  minuteSpans: Span[];
  hourSpans: Span[];
}

export interface LedgerState {
  watermark?: Stored<LedgerWatermarkEntity>;
  /** Absent when the watermark is (a first run), predates hour rows, or a write failed and the view is unknown. */
  view?: LedgerView;
}

export function emptyView(generation: string, complete: boolean): LedgerView {
  return { generation, complete, minutes: new Map(), hours: new Map(), minuteSpans: [], hourSpans: [] };
}

/** The watermark a scan may continue from: only one whose generation keeps hour rows (otherwise: recount). */
export function countingWatermark(state: LedgerState): LedgerWatermarkEntity | undefined {
  return state.watermark?.value.hourRows ? state.watermark.value : undefined;
}

/** Whether the ledger was written before hour rows existed (its counts are recounted into a new generation). */
export function predatesHourRows(state: LedgerState): boolean {
  return !!state.watermark && !state.watermark.value.hourRows;
}

/** The spans a summary at `now` needs: see the module comment. */
function windowSpans(now: Date) {
  const end = floorMinute(now).getTime(); // the newest minute in the window
  // The oldest: the first minute start after now − 24 h − 1 min (window.ts `inWindow`).
  const first = floorMinute(new Date(now.getTime() - DAY_MS - MINUTE_MS)).getTime() + MINUTE_MS;
  const firstWholeHour = Math.ceil(first / HOUR_MS) * HOUR_MS;
  const currentHour = hourOf(end);
  return {
    end,
    first,
    firstWholeHour,
    currentHour,
    head: [first, firstWholeHour] as Span,
    recent: [end - HOUR_MS, end + MINUTE_MS] as Span,
    hours: [firstWholeHour, currentHour] as Span,
  };
}

async function readMinutes(table: LedgerTable, pk: string, view: LedgerView, [from, to]: Span) {
  if (from >= to) return;
  const rows = await table.range(pk, {
    from: bucketRowKey(view.generation, from),
    to: bucketRowKey(view.generation, to),
  });
  for (const r of rows)
    if (r.value.kind === 'bucket' && r.value.generation === view.generation)
      view.minutes.set(Date.parse(r.value.minute), r.value);
  view.minuteSpans.push([from, to]);
}

async function readHours(table: LedgerTable, pk: string, view: LedgerView, [from, to]: Span) {
  if (from >= to) return;
  const rows = await table.range(pk, {
    from: hourRowKey(view.generation, from),
    to: hourRowKey(view.generation, to),
  });
  for (const r of rows)
    if (r.value.kind === 'hour' && r.value.generation === view.generation)
      view.hours.set(Date.parse(r.value.hour), r.value);
  view.hourSpans.push([from, to]);
}

/** Reads the watermark and what a run at `now` needs of its generation: bounded, however much was sent. */
export async function readLedger(table: LedgerTable, mailbox: string, now: Date): Promise<LedgerState> {
  const row = await table.get(mailbox, WATERMARK_ROW);
  const state: LedgerState = {};
  if (row?.value.kind === 'watermark') state.watermark = row as Stored<LedgerWatermarkEntity>;
  const wm = countingWatermark(state);
  if (!wm) return state;
  const view = emptyView(wm.generation, false);
  const w = windowSpans(now);
  // The current hour's row too: new messages usually add to it.
  await Promise.all([
    readHours(table, mailbox, view, [w.hours[0], w.currentHour + HOUR_MS]),
    readMinutes(table, mailbox, view, w.head),
    readMinutes(table, mailbox, view, w.recent),
  ]);
  state.view = view;
  return state;
}

const covers = (spans: readonly Span[], t: number) => spans.some(([a, b]) => t >= a && t < b);

/**
 * Reads the rows of the given minutes and hours that the view does not know yet — one range each, from the
 * earliest to the latest missing — so that an upsert adds to the stored count, never replaces it.
 */
export async function ensureRows(
  table: LedgerTable,
  mailbox: string,
  view: LedgerView,
  minutes: Iterable<number>,
): Promise<void> {
  if (view.complete) return;
  let lo = Infinity;
  let hi = -Infinity;
  let hlo = Infinity;
  let hhi = -Infinity;
  for (const m of minutes) {
    if (!covers(view.minuteSpans, m)) [lo, hi] = [Math.min(lo, m), Math.max(hi, m)];
    const h = hourOf(m);
    if (!covers(view.hourSpans, h)) [hlo, hhi] = [Math.min(hlo, h), Math.max(hhi, h)];
  }
  // A range may hold minutes already known: readMinutes sets them to the stored values, which are the same.
  await Promise.all([
    lo <= hi ? readMinutes(table, mailbox, view, [lo, hi + MINUTE_MS]) : undefined,
    hlo <= hhi ? readHours(table, mailbox, view, [hlo, hhi + HOUR_MS]) : undefined,
  ]);
}

/** The window's totals from the view: whole hours from their rows, the partial hours from their minutes. */
export function windowTotals(view: LedgerView, now: Date): WindowTotals {
  const w = windowSpans(now);
  if (!view.complete) {
    const missing =
      (w.head[0] < w.head[1] && !view.minuteSpans.some(([a, b]) => a <= w.head[0] && b >= w.head[1])) ||
      !view.minuteSpans.some(([a, b]) => a <= w.recent[0] && b >= w.recent[1]) ||
      (w.hours[0] < w.hours[1] && !view.hourSpans.some(([a, b]) => a <= w.hours[0] && b >= w.hours[1]));
    // A view read for another time: summing it would silently miss rows.
    if (missing) throw new Error('ledger view does not cover the window at this time');
  }
  const t: WindowTotals = { recipients24h: 0, messages24h: 0, recipientsLastHour: 0 };
  for (const [m, b] of view.minutes) {
    if (m > w.end) continue;
    if (m >= w.end - HOUR_MS) t.recipientsLastHour += b.recipients;
    // Counted here only outside the whole hours (whose rows count them).
    if ((m >= w.first && m < w.firstWholeHour) || m >= w.currentHour) {
      t.recipients24h += b.recipients;
      t.messages24h += b.messages;
      const c = { minute: new Date(m), messages: b.messages };
      if (busier(c, t.busiest)) t.busiest = c;
    }
  }
  for (const [h, r] of view.hours) {
    if (h < w.firstWholeHour || h >= w.currentHour) continue;
    t.recipients24h += r.recipients;
    t.messages24h += r.messages;
    const c = { minute: new Date(r.busiestMinute), messages: r.busiestMessages };
    if (busier(c, t.busiest)) t.busiest = c;
  }
  return t;
}

/** The quota summary at `now`; a ledger with no counting generation (nothing recorded yet) has sent nothing. */
export function summarizeLedger(state: LedgerState, now: Date, limits: QuotaLimits): QuotaSummary {
  const t = state.view
    ? windowTotals(state.view, now)
    : { recipients24h: 0, messages24h: 0, recipientsLastHour: 0 };
  return judge(t, now, limits);
}
