/**
 * The status overview: one row per mailbox, grouped by tenant — worst status of the latest run and since when,
 * the 30-day bar of daily worst status, uptime per check, sent quota now with its 24-h sparkline, junk waiting for
 * review. Filtered by status through plain links (`?status=CRIT`), so it needs no script.
 */
import { CHECK_NAMES, severity, type CheckName } from '../contracts.js';
import { overallStatus, type MailboxOverview } from '../history/read.js';
import { HISTORY_DAYS } from '../history/keys.js';
import { cleanText } from './escape.js';
import { html, type Html } from './html-template.js';
import { dayBar, formatNumber, sparkline } from './status-charts.js';
import {
  STATUS_FILTERS,
  badge,
  duration,
  page,
  statusLegend,
  statusWord,
  utc,
  type StatusFilter,
  type StatusLinks,
} from './status-layout.js';

/** Short labels for the uptime grid (the full name is in the abbreviation's title). */
export const CHECK_SHORT: Record<CheckName, string> = {
  auth: 'auth',
  'credential-expiry': 'cred',
  'imap-login': 'imap',
  inbox: 'inbox',
  junk: 'junk',
  'sent-quota': 'quota',
  'smtp-auth': 'smtp',
  'queue-poison': 'queue',
};

export interface OverviewInput {
  mailboxes: readonly MailboxOverview[];
  now: Date;
  links: StatusLinks;
  filter?: StatusFilter;
  /** 1-based page of the (filtered) overview; out of range shows the nearest page. */
  page?: number;
  /** Mailbox rows per page (default PAGE_ROWS); Infinity puts every mailbox on one page (the CLI's files). */
  pageSize?: number;
}

/** Rows per overview page: an MSP's hundreds of mailboxes come as pages of whole tenants, each ~0.5 MB or less. */
export const PAGE_ROWS = 100;

/** A tenant's rows on one page: all of them, or a slice `[from, from + rows.length)` of a tenant too big for one. */
interface TenantPart {
  tenant: string;
  /** Position of the tenant in the overview's order (for its anchor). */
  index: number;
  rows: MailboxOverview[];
  from: number;
  total: number;
}

/** A latest run older than this is named: the timer may have stopped (runs are every 5 minutes). */
const STALE_MS = 30 * 60_000;

/** `for 3 h`, or `just now` for a status that began this minute. */
export function forHow(since: string, now: Date): string {
  const d = duration(since, now);
  return d === 'just now' ? d : `for ${d}`;
}

const matches = (m: MailboxOverview, f: StatusFilter | undefined) =>
  f === undefined || (f === 'none' ? m.now === undefined : m.now === f);

function uptimeClass(p: number | undefined): string {
  if (p === undefined) return 'u-none';
  return p >= 99.5 ? 'u-good' : p >= 95 ? 'u-fair' : 'u-poor';
}

export function uptimeText(p: number | undefined): string {
  if (p === undefined) return '–';
  // 99.96 must not read as 100: floor to one decimal, 100 only when every run was OK.
  return p >= 100 ? '100%' : `${(Math.floor(p * 10) / 10).toFixed(1)}%`;
}

function uptimeList(m: MailboxOverview): Html {
  return html`<ul class="up">
    ${m.uptime
      .filter((u) => (CHECK_NAMES as readonly string[]).includes(u.check))
      .map(
        (u) =>
          html`<li>
            <abbr title="${u.check}, ${u.runs} runs">${CHECK_SHORT[u.check]}</abbr>
            <b class="${uptimeClass(u.percent)}">${uptimeText(u.percent)}</b>
          </li>`,
      )}
  </ul>`;
}

function row(m: MailboxOverview, input: OverviewInput): Html {
  const id = cleanText(m.id, 80);
  const ago = m.lastRunAt ? input.now.getTime() - Date.parse(m.lastRunAt) : 0;
  return html`<tr>
    <td class="mb" data-label="Mailbox">
      <a href="${input.links.mailbox(m.id)}">${id}</a><span class="addr">${cleanText(m.address, 120)}</span>
    </td>
    <td class="now" data-label="Now">
      ${badge(m.now)}${m.since ? html`<span class="since" title="since ${utc(m.since)}">${forHow(m.since, input.now)}</span>` : ''}${ago > STALE_MS ? html`<span class="since stale">last run ${duration(m.lastRunAt, input.now)} ago</span>` : ''}
    </td>
    <td class="days wide" data-label="Last ${HISTORY_DAYS} days">${dayBar(m.days)}</td>
    <td class="uptime wide" data-label="Uptime per check">${uptimeList(m)}</td>
    <td class="quota-cell" data-label="Sent quota, 24 h">
      <div class="quota">
        <span class="num">${m.quotaNow !== undefined ? `${formatNumber(m.quotaNow)}%` : '–'}</span
        >${sparkline(m.quota24h, 'Sent quota %')}
      </div>
    </td>
    <td class="junk num end" data-label="Junk to review">${m.junkWaiting ?? '–'}</td>
  </tr>`;
}

function filterNav(input: OverviewInput): Html {
  const count = (f: StatusFilter | undefined) => input.mailboxes.filter((m) => matches(m, f)).length;
  const link = (f: StatusFilter | undefined, label: string) =>
    html`<a href="${input.links.overview(f)}" ${input.filter === f ? html` aria-current="page"` : ''}
      >${label}<span class="n">${count(f)}</span></a
    >`;
  return html`<nav class="filters" aria-label="Filter by status">
    ${link(undefined, 'All')}${STATUS_FILTERS.filter((f) => f === input.filter || count(f) > 0).map((f) =>
      link(f, f === 'none' ? 'No data' : statusWord(f)),
    )}
  </nav>`;
}

/** Tenants in order of their worst mailbox (most severe first), then by name. */
function byTenant(list: readonly MailboxOverview[]): Array<[string, MailboxOverview[]]> {
  const groups = new Map<string, MailboxOverview[]>();
  for (const m of list) {
    const g = groups.get(m.tenant);
    if (g) g.push(m);
    else groups.set(m.tenant, [m]);
  }
  const rank = (ms: MailboxOverview[]) => Math.max(...ms.map((m) => (m.now ? severity(m.now) : 2)));
  return [...groups].sort(([a, x], [b, y]) => rank(y) - rank(x) || (a < b ? -1 : a > b ? 1 : 0));
}

function sortedRows(ms: readonly MailboxOverview[]): MailboxOverview[] {
  return [...ms].sort(
    (a, b) =>
      (b.now ? severity(b.now) : 2) - (a.now ? severity(a.now) : 2) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * Pages of whole tenants, in the overview's order: a tenant starts a new page when it does not fit in what is left
 * of the current one; a tenant bigger than a page is cut into page-sized slices.
 */
export function paginate(groups: ReadonlyArray<[string, MailboxOverview[]]>, size: number): TenantPart[][] {
  const pages: TenantPart[][] = [[]];
  let room = size;
  groups.forEach(([tenant, ms], index) => {
    const rows = sortedRows(ms);
    if (rows.length > room && pages[pages.length - 1]!.length) {
      pages.push([]);
      room = size;
    }
    for (let from = 0; from < rows.length;) {
      if (room <= 0) {
        pages.push([]);
        room = size;
      }
      const part = rows.slice(from, from + room);
      pages[pages.length - 1]!.push({ tenant, index, rows: part, from, total: rows.length });
      from += part.length;
      room -= part.length;
    }
  });
  return pages;
}

function tenantSection(part: TenantPart, input: OverviewInput): Html {
  const name = cleanText(part.tenant, 100);
  const n = part.total;
  const slice = part.rows.length < n ? html` · ${part.from + 1}–${part.from + part.rows.length} of ${n}` : '';
  return html`<section aria-label="Tenant ${name}" id="tenant-${part.index + 1}">
    <h2>
      Tenant ${name}
      <span class="muted">· ${n} ${n === 1 ? 'mailbox' : 'mailboxes'}${slice}</span>
    </h2>
    <table class="list stack overview">
      <thead>
        <tr>
          <th scope="col">Mailbox</th>
          <th scope="col">Now</th>
          <th scope="col">Last ${HISTORY_DAYS} days</th>
          <th scope="col">Uptime per check</th>
          <th scope="col">Sent quota, 24 h</th>
          <th scope="col">Junk to review</th>
        </tr>
      </thead>
      <tbody>
        ${part.rows.map((m) => row(m, input))}
      </tbody>
    </table>
  </section>`;
}

/** With more than one page: previous/next and (at the top) every tenant, its worst status and size, linked. */
function pageNav(pages: TenantPart[][], current: number, input: OverviewInput, top: boolean): Html {
  if (pages.length < 2) return html``;
  const href = (p: number) => input.links.overview(input.filter, p);
  const tenants = pages.flatMap((parts, p) =>
    parts
      .filter((t) => t.from === 0)
      .map(
        (t) =>
          html`<li>
            ${badge(t.rows[0]?.now)}<a
              href="${href(p + 1)}#tenant-${t.index + 1}"
              ${p + 1 === current ? html` aria-current="page"` : ''}
              >${cleanText(t.tenant, 100)}</a
            ><span class="n">${t.total}</span>
          </li>`,
      ),
  );
  return html`<nav class="pages" aria-label="${top ? 'Pages and tenants' : 'Pages'}">
    <p>
      Page ${current} of
      ${pages.length}${current > 1 ? html` · <a href="${href(current - 1)}" rel="prev">← previous</a>` : ''}${current < pages.length ? html` · <a href="${href(current + 1)}" rel="next">next →</a>` : ''}
    </p>
    ${
      top
        ? html`<details>
            <summary>${tenants.length === 1 ? 'The tenant' : `All ${tenants.length} tenants`}</summary>
            <ul class="tenants">
              ${tenants}
            </ul>
          </details>`
        : ''
    }
  </nav>`;
}

export function renderStatusPage(input: OverviewInput): string {
  const shown = input.mailboxes.filter((m) => matches(m, input.filter));
  const overall = overallStatus(input.mailboxes);
  const pages = paginate(byTenant(shown), input.pageSize ?? PAGE_ROWS);
  const current = Math.min(Math.max(1, Math.floor(input.page ?? 1) || 1), pages.length);
  const sections = pages[current - 1]!.map((part) => tenantSection(part, input));
  const body = html`${filterNav(input)} ${statusLegend()} ${pageNav(pages, current, input, true)}
    ${sections.length ? sections : html`<p class="card">No mailbox ${input.filter ? html`is ${input.filter === 'none' ? 'without data' : statusWord(input.filter)}` : 'is configured'}.</p>`}
    ${pageNav(pages, current, input, false)}
    <p class="muted">
      Bars: the worst status of each UTC day. Uptime: share of runs in the last ${HISTORY_DAYS} days in which
      the check was OK. Generated ${utc(input.now.getTime())}.
    </p>`;
  return page({
    title: `${overall ? statusWord(overall) : 'No data'} · mailbox-health status${pages.length > 1 ? ` · page ${current}` : ''}`,
    heading: 'Mailbox health',
    subheading: `${input.mailboxes.length} ${input.mailboxes.length === 1 ? 'mailbox' : 'mailboxes'} · overall ${statusWord(overall)} · ${utc(input.now.getTime())}`,
    body,
  });
}
