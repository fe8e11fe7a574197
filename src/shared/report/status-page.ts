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

export function renderStatusPage(input: OverviewInput): string {
  const shown = input.mailboxes.filter((m) => matches(m, input.filter));
  const overall = overallStatus(input.mailboxes);
  const sections = byTenant(shown).map(([tenant, ms]) => {
    const sorted = [...ms].sort(
      (a, b) =>
        (b.now ? severity(b.now) : 2) - (a.now ? severity(a.now) : 2) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return html`<section aria-label="Tenant ${cleanText(tenant, 100)}">
      <h2>
        Tenant ${cleanText(tenant, 100)}
        <span class="muted">· ${ms.length} ${ms.length === 1 ? 'mailbox' : 'mailboxes'}</span>
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
          ${sorted.map((m) => row(m, input))}
        </tbody>
      </table>
    </section>`;
  });
  const body = html`${filterNav(input)} ${statusLegend()}
    ${sections.length ? sections : html`<p class="card">No mailbox ${input.filter ? html`is ${input.filter === 'none' ? 'without data' : statusWord(input.filter)}` : 'is configured'}.</p>`}
    <p class="muted">
      Bars: the worst status of each UTC day. Uptime: share of runs in the last ${HISTORY_DAYS} days in which
      the check was OK. Generated ${utc(input.now.getTime())}.
    </p>`;
  return page({
    title: `${overall ? statusWord(overall) : 'No data'} · mailbox-health status`,
    heading: 'Mailbox health',
    subheading: `${input.mailboxes.length} ${input.mailboxes.length === 1 ? 'mailbox' : 'mailboxes'} · overall ${statusWord(overall)} · ${utc(input.now.getTime())}`,
    body,
  });
}
