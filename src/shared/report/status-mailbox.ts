/**
 * One mailbox's status page: its checks with the current result in words (and the fix when there is one), the
 * open alerts and when each was sent, the 30-day bar, charts of the oldest waiting message, the sent quota and
 * junk arrivals over 30 days, and the last 50 runs.
 *
 * Summaries and fixes quote servers and mailboxes: they pass through `untrusted` (one line, capped, no controls,
 * URLs defanged) and then the template's escaping; nothing on this page is a link but our own navigation.
 */
import { CHECK_NAMES, type Status } from '../contracts.js';
import type { MailboxDetail } from '../history/read.js';
import { HISTORY_DAYS } from '../history/keys.js';
import type { HistoryRunEntity } from '../state/history-port.js';
import { cleanText, untrusted } from './escape.js';
import { html, type Html } from './html-template.js';
import { STATUS_FILL, dayBar, formatNumber, lineChart, sparkline } from './status-charts.js';
import { CHECK_SHORT, forHow, uptimeText } from './status-page.js';
import { badge, page, statusLegend, statusWord, utc, type StatusLinks } from './status-layout.js';

export interface MailboxPageInput {
  detail: MailboxDetail;
  now: Date;
  links: StatusLinks;
  /** The configured thresholds, drawn as dashed lines. */
  thresholds?: {
    inbox?: { warnAfterMinutes: number; critAfterMinutes: number };
    limits?: { warnPercent: number; critPercent: number };
  };
}

function checksTable(d: MailboxDetail, now: Date): Html {
  if (!d.checks.length) return html`<p class="card">No check has run for this mailbox yet.</p>`;
  const uptime = new Map(d.overview.uptime.map((u) => [u.check, u]));
  return html`<table class="list stack">
    <thead>
      <tr>
        <th scope="col">Check</th>
        <th scope="col">Status</th>
        <th scope="col">Result</th>
        <th scope="col">Uptime, ${HISTORY_DAYS} days</th>
      </tr>
    </thead>
    <tbody>
      ${d.checks.map(
        (c) =>
          html`<tr>
            <td data-label="Check"><b>${c.check}</b></td>
            <td data-label="Status">
              ${badge(c.status)}<span class="since" title="since ${utc(c.since)}"
                >${forHow(c.since, now)}</span
              >
            </td>
            <td data-label="Result" class="summary wide">
              ${untrusted(c.summary, 400)}${c.remediation ? html`<span class="fix">Fix: ${untrusted(c.remediation.fix, 400)}</span>` : ''}<span
                class="since"
                >checked ${utc(c.at)}</span
              >
            </td>
            <td data-label="Uptime" class="num">${uptimeText(uptime.get(c.check)?.percent)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function alertsBlock(d: MailboxDetail): Html {
  if (!d.alerts.length)
    return html`<p class="card">No open alert: nothing is waiting for a resolve notice.</p>`;
  return html`<table class="list stack">
    <thead>
      <tr>
        <th scope="col">Check</th>
        <th scope="col">Severity</th>
        <th scope="col">First sent</th>
        <th scope="col">Last sent</th>
      </tr>
    </thead>
    <tbody>
      ${d.alerts.map(
        (a) =>
          html`<tr>
            <td data-label="Check"><b>${a.check}</b></td>
            <td data-label="Severity">${badge(a.severity)}</td>
            <td data-label="First sent" class="num">${utc(a.triggeredAt) || '–'}</td>
            <td data-label="Last sent" class="num end">${utc(a.lastNotifiedAt) || '–'}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function checkSquares(r: HistoryRunEntity): Html {
  const label = CHECK_NAMES.map((c) => `${c} ${r.checks[c] ?? 'not run'}`).join(', ');
  return html`<span role="img" aria-label="${label}" title="${label}"
    >${CHECK_NAMES.map(
      (c) =>
        html`<i
          class="sq"
          style="background:${STATUS_FILL[(r.checks[c] as Status | undefined) ?? 'NONE']}"
        ></i>`,
    )}</span
  >`;
}

function metricsText(r: HistoryRunEntity): string {
  const m = r.metrics;
  const parts: string[] = [];
  if (m.oldestWaitingMinutes !== undefined) parts.push(`oldest ${formatNumber(m.oldestWaitingMinutes)} min`);
  if (m.junkUnreviewed !== undefined) parts.push(`junk ${m.junkUnreviewed}`);
  if (m.quotaPercent !== undefined) parts.push(`quota ${formatNumber(m.quotaPercent)}%`);
  if (m.loginMs !== undefined) parts.push(`login ${Math.round(m.loginMs)} ms`);
  return parts.join(' · ') || '–';
}

function runsTable(d: MailboxDetail): Html {
  if (!d.runs.length) return html`<p class="card">No run recorded yet.</p>`;
  return html`<table class="list stack">
    <thead>
      <tr>
        <th scope="col">Finished</th>
        <th scope="col">Worst</th>
        <th scope="col">Checks (${CHECK_NAMES.map((c) => CHECK_SHORT[c]).join(', ')})</th>
        <th scope="col">Key figures</th>
      </tr>
    </thead>
    <tbody>
      ${d.runs.map(
        (r) =>
          html`<tr>
            <td data-label="Finished" class="num">${utc(r.at)}</td>
            <td data-label="Worst">${badge(r.worst)}</td>
            <td data-label="Checks" class="wide">${checkSquares(r)}</td>
            <td data-label="Key figures" class="wide">${metricsText(r)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function renderMailboxPage(input: MailboxPageInput): string {
  const { detail: d, now, links } = input;
  const o = d.overview;
  const id = cleanText(o.id, 80);
  const t = input.thresholds;
  const body = html`<p><a href="${links.overview()}">← All mailboxes</a></p>
    <section class="card" aria-label="Now">
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          ${badge(o.now)}
          ${o.since ? html`${forHow(o.since, now)} <span class="muted">(since ${utc(o.since)})</span>` : ''}
        </dd>
        <dt>Last run</dt>
        <dd>${o.lastRunAt ? utc(o.lastRunAt) : 'none recorded'}</dd>
        <dt>Tenant</dt>
        <dd>${cleanText(o.tenant, 100)}</dd>
        <dt>Sent quota</dt>
        <dd>
          <div class="quota">
            <span class="num">${o.quotaNow !== undefined ? `${formatNumber(o.quotaNow)}%` : '–'}</span
            >${sparkline(o.quota24h, 'Sent quota %')}
          </div>
        </dd>
        <dt>Junk to review</dt>
        <dd class="num">${o.junkWaiting ?? '–'}</dd>
      </dl>
    </section>
    <h2>Checks</h2>
    ${checksTable(d, now)}
    <h2>Open alerts</h2>
    ${alertsBlock(d)}
    <h2>Last ${HISTORY_DAYS} days</h2>
    <div class="card">${dayBar(o.days, 'large')}${statusLegend()}</div>
    <div class="card">
      ${lineChart({
        title: 'Oldest waiting message',
        unit: 'min',
        points: d.series.oldestWaitingMinutes,
        ...d.window,
        ...(t?.inbox
          ? {
              thresholds: [
                { value: t.inbox.warnAfterMinutes, label: 'warning after', status: 'WARN' },
                { value: t.inbox.critAfterMinutes, label: 'critical after', status: 'CRIT' },
              ],
            }
          : {}),
      })}
      ${lineChart({
        title: 'Sent quota',
        unit: '%',
        points: d.series.quotaPercent,
        ...d.window,
        ...(t?.limits
          ? {
              thresholds: [
                { value: t.limits.warnPercent, label: 'warning at', status: 'WARN' },
                { value: t.limits.critPercent, label: 'critical at', status: 'CRIT' },
              ],
            }
          : {}),
      })}
      ${lineChart({ title: 'Junk arrivals in the previous 24 h', unit: 'messages', points: d.series.junkArrivals24h, ...d.window })}
    </div>
    <h2>Last ${d.runs.length} runs</h2>
    ${runsTable(d)}
    <p class="muted">Generated ${utc(now.getTime())}. Times are UTC.</p>`;
  return page({
    title: `${id}: ${statusWord(o.now)} · mailbox-health status`,
    heading: id,
    subheading: cleanText(o.address, 120),
    body,
  });
}
