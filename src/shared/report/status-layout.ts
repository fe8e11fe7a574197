/**
 * The frame of the status pages: the document shell with its Content-Security-Policy, one stylesheet (inline, as
 * the CSP allows nothing else), status badges and time wording. No script, no external asset, no form: the
 * filters are plain links, so the page works with JavaScript off and under `default-src 'none'`.
 */
import type { Status } from '../contracts.js';
import { STATUS_FILL } from './status-charts.js';
import { html, trusted, type Html } from './html-template.js';

/** Sent as a header by the function and repeated in a meta tag for the file the CLI writes. */
export const STATUS_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Headers of every status response: the CSP, no caching (it is live state), no referrer (links carry the key). */
export const STATUS_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': STATUS_CSP,
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** Where the pages link to: the function builds `/api/status…` URLs, the CLI file names. */
export interface StatusLinks {
  /** `page` (1-based, of the overview's tenant pages) is only asked for when there is more than one page. */
  overview(filter?: StatusFilter, page?: number): string;
  mailbox(id: string): string;
}
/** A status, or `none` for mailboxes without history. */
export type StatusFilter = Status | 'none';
export const STATUS_FILTERS: readonly StatusFilter[] = ['CRIT', 'UNKNOWN', 'WARN', 'OK', 'none'];

export function parseStatusFilter(v: string | null | undefined): StatusFilter | undefined {
  return STATUS_FILTERS.find((f) => f === v);
}

const WORDS: Record<Status, string> = {
  OK: 'OK',
  WARN: 'Warning',
  UNKNOWN: 'Unknown',
  CRIT: 'Critical',
};

export function statusWord(s: Status | undefined): string {
  return s ? WORDS[s] : 'No data';
}

export function badge(s: Status | undefined): Html {
  return html`<span class="badge b-${s ?? 'NONE'}">${statusWord(s)}</span>`;
}

/** `2026-12-01 09:05 UTC` */
export function utc(iso: string | number | undefined): string {
  if (iso === undefined) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `3 d 4 h`, `2 h 5 min`, `4 min`, `just now`. */
export function duration(fromIso: string | undefined, now: Date): string {
  if (!fromIso) return '';
  const ms = now.getTime() - Date.parse(fromIso);
  if (!(ms >= 60_000)) return 'just now';
  const min = Math.floor(ms / 60_000);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d) return `${d} d${h ? ` ${h} h` : ''}`;
  if (h) return `${h} h${m ? ` ${m} min` : ''}`;
  return `${m} min`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
header.top{background:#24292f;color:#fff;padding:14px 20px}
header.top h1{margin:0;font-size:20px;font-weight:600}
header.top p{margin:2px 0 0;color:#d0d7de;font-size:13px}
header.top a{color:#fff}
main{max-width:1180px;margin:0 auto;padding:16px 20px 40px}
h2{font-size:17px;margin:26px 0 8px}
h2 .muted{font-weight:400}
a{color:#0969da}
.muted{color:#57606a}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 16px;margin:12px 0}
nav.filters{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0 4px}
nav.filters a{display:inline-block;padding:5px 12px;border:1px solid #d0d7de;border-radius:999px;background:#fff;text-decoration:none;color:#1f2328;font-size:14px}
nav.filters a[aria-current=page]{background:#0969da;border-color:#0969da;color:#fff}
nav.filters .n{font-weight:600;margin-left:4px}
nav.pages{margin:8px 0}
nav.pages p{margin:4px 0}
nav.pages ul.tenants{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:6px 14px}
nav.pages ul.tenants li{display:flex;align-items:center;gap:6px;min-width:0}
nav.pages ul.tenants a{overflow-wrap:anywhere}
nav.pages ul.tenants a[aria-current=page]{font-weight:600}
nav.pages .n{color:#59636e;font-size:13px}
.badge{display:inline-block;min-width:68px;text-align:center;padding:2px 8px;border-radius:999px;font-size:13px;font-weight:600}
.b-OK{background:#1a7f37;color:#fff}.b-WARN{background:${STATUS_FILL.WARN};color:#1f2328}
.b-UNKNOWN{background:#6e7781;color:#fff}.b-CRIT{background:#cf222e;color:#fff}.b-NONE{background:#e1e5ea;color:#1f2328}
table{border-collapse:collapse;width:100%;background:#fff}
table.list{border:1px solid #d0d7de;border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#57606a;background:#f6f8fa;font-weight:600}
tr:last-child td{border-bottom:0}
td.mb{min-width:190px}
td.mb a{font-weight:600;overflow-wrap:anywhere}
td.mb .addr{display:block;color:#57606a;font-size:13px;overflow-wrap:anywhere}
.stale{color:#9a3412}
.since{display:block;color:#57606a;font-size:12px;margin-top:3px}
svg.bar,svg.spark{display:block}
svg.bar.large{width:100%;height:34px}
ul.up{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(4,auto);gap:2px 10px;font-size:12px;white-space:nowrap}
ul.up b{font-weight:600}
.u-good{color:#1a7f37}.u-fair{color:#7d4e00}.u-poor{color:#cf222e}.u-none{color:#57606a}
.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.quota{display:flex;align-items:center;gap:8px}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:13px;color:#57606a;margin:8px 0 0}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.legend i.dash{width:18px;height:0;border-top:2px dashed;border-radius:0;vertical-align:3px}
.sq{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:2px;vertical-align:-1px}
figure.chart{margin:0 0 18px}
figure.chart figcaption{font-weight:600;margin-bottom:4px}
.plot{position:relative}
.plot svg{display:block;border-radius:4px}
.ymax{position:absolute;left:4px;top:2px;font-size:11px;color:#57606a}
.xaxis{display:flex;justify-content:space-between;font-size:12px;color:#57606a;margin-top:2px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:0 24px}
.summary{word-break:break-word}
.fix{display:block;margin-top:4px;font-size:13px;color:#57606a}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}
dl.facts dt{color:#57606a}dl.facts dd{margin:0}
@media (max-width:760px){
 main{padding:10px 10px 30px}
 .grid2{grid-template-columns:1fr}
 table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
 table.stack tr{border-bottom:1px solid #d0d7de;padding:6px 0}
 table.stack td{border:0;padding:4px 12px}
 table.stack td[data-label]::before{content:attr(data-label);display:block;font-size:11px;text-transform:uppercase;letter-spacing:.03em;color:#57606a}
 table.stack tr{display:grid;grid-template-columns:1fr auto;column-gap:8px}
 table.stack td{width:auto;min-width:0}
 table.stack td:nth-child(1)::before,table.stack td:nth-child(2)::before{display:none}
 table.stack td:nth-child(2){text-align:right}
 table.stack td.wide{grid-column:1 / 3}
 table.stack td.end{text-align:right}
 table.stack svg.bar{width:100%;height:26px}
}
`;

export interface Shell {
  title: string;
  heading: string;
  subheading: Html | string;
  body: Html;
}

export function page(s: Shell): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="${STATUS_CSP}" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${s.title}</title>
        <style>
          ${trusted(CSS)}
        </style>
      </head>
      <body>
        <header class="top">
          <h1>${s.heading}</h1>
          <p>${s.subheading}</p>
        </header>
        <main>${s.body}</main>
      </body>
    </html> `.value;
}

/** The colour key under the bars. */
export function statusLegend(): Html {
  const items: Array<[keyof typeof STATUS_FILL, string]> = [
    ['OK', 'OK'],
    ['WARN', 'Warning'],
    ['UNKNOWN', 'Unknown'],
    ['CRIT', 'Critical'],
    ['NONE', 'No data'],
  ];
  return html`<p class="legend">
    ${items.map(([k, w]) => html`<span><i style="background:${STATUS_FILL[k]}"></i>${w}</span>`)}
  </p>`;
}
