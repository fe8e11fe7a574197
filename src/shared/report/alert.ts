/**
 * Alert rendering: one notification per mailbox run, grouping every change of that run. Each change says what is
 * wrong (the check's summary), since when, the numbers (metrics), the cause and fix, and the setup step of the
 * vendor guide. Outputs: subject + plain text + HTML (email), an Adaptive Card (Teams), Slack-style JSON.
 *
 * Every string a check produced is treated as mailbox-derived (summaries quote subjects, folder names and server
 * replies): cleaned, capped, defanged, then escaped for the target format. Nothing becomes a link.
 */
import {
  SETUP_STEP_TITLES,
  worstStatus,
  type AlertAction,
  type CheckResult,
  type Status,
} from '../contracts.js';
import { escapeHtml, escapeMarkdown, escapeSlack, headerSafe, untrusted } from './escape.js';

export type NotifyAction = Exclude<AlertAction, 'none'>;

export interface AlertChange {
  action: NotifyAction;
  result: CheckResult;
  /** ISO time the current status began. */
  since: string;
}

/** A signed "Move to <folder>" link offered for one message (the app's own URL; the message text is mail data). */
export interface AlertMove {
  /** e.g. `Move to Too large for ESM` (the folder name comes from the config). */
  label: string;
  url: string;
  /** Which message: sender, subject, size — HOSTILE mail data, rendered cleaned and escaped. */
  what: string;
}

export interface AlertInput {
  mailboxId: string;
  address: string;
  changes: AlertChange[];
  at: Date;
  /** Action links for oversized mail (absent: no buttons). */
  moves?: AlertMove[];
}

export interface RenderedAlert {
  subject: string;
  text: string;
  html: string;
}

const ACTION_LABEL: Record<NotifyAction, string> = {
  trigger: 'NEW',
  remind: 'STILL FAILING',
  escalate: 'WORSE',
  resolve: 'RESOLVED',
};

/** The reader-facing lines of one change, already cleaned (not yet escaped for a format). */
interface ChangeView {
  heading: string;
  status: Status;
  fields: Array<[string, string]>;
}

export function utcMinute(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return Number.isNaN(d.getTime()) ? 'unknown' : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function formatMetric(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function view(change: AlertChange): ChangeView {
  const r = change.result;
  const shown: Status = change.action === 'resolve' ? 'OK' : r.status;
  const fields: Array<[string, string]> = [
    ['What', untrusted(r.summary, 300)],
    [change.action === 'resolve' ? 'OK since' : 'Since', utcMinute(change.since)],
  ];
  const metrics = Object.entries(r.metrics)
    .filter(([k]) => /^[a-z][A-Za-z0-9]*$/.test(k))
    .slice(0, 12)
    .map(([k, v]) => `${k}=${formatMetric(v)}`);
  if (metrics.length) fields.push(['Numbers', metrics.join(', ')]);
  if (r.remediation && change.action !== 'resolve') {
    fields.push(['Cause', untrusted(r.remediation.cause, 300)]);
    fields.push(['Fix', untrusted(r.remediation.fix, 400)]);
    if (r.remediation.setupStep)
      fields.push([
        'Setup step',
        `${SETUP_STEP_TITLES[r.remediation.setupStep]} (${r.remediation.setupStep})`,
      ]);
  }
  return { heading: `${ACTION_LABEL[change.action]}: ${shown} ${r.check}`, status: shown, fields };
}

function worst(input: AlertInput): Status {
  return worstStatus(input.changes.map((c) => (c.action === 'resolve' ? 'OK' : c.result.status)));
}

export function renderAlertSubject(input: AlertInput): string {
  const checks = input.changes.map((c) => `${c.result.check}${c.action === 'resolve' ? ' resolved' : ''}`);
  return headerSafe(`[mailbox-health] ${worst(input)} ${input.address}: ${checks.join(', ')}`);
}

export function renderAlert(input: AlertInput): RenderedAlert {
  const views = input.changes.map(view);
  const title = `mailbox-health: ${input.mailboxId} (${untrusted(input.address, 254)})`;
  const text = [
    title,
    `Checked ${utcMinute(input.at)} — ${views.length} change${views.length === 1 ? '' : 's'}`,
    '',
    ...views.flatMap((v) => [v.heading, ...v.fields.map(([k, val]) => `  ${k}: ${val}`), '']),
    ...(input.moves?.length
      ? [
          'Oversized mail: move it out of the fetched folder (the page asks before anything moves):',
          ...input.moves.map((m) => `  ${untrusted(m.what, 200)}\n    ${m.label}: ${m.url}`),
          '',
        ]
      : []),
  ].join('\n');
  const colour: Record<Status, string> = {
    OK: '#107c10',
    WARN: '#c19c00',
    UNKNOWN: '#605e5c',
    CRIT: '#a4262c',
  };
  const html = [
    '<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif">',
    `<h2>${escapeHtml(title)}</h2>`,
    `<p>Checked ${escapeHtml(utcMinute(input.at))}</p>`,
    ...views.map(
      (v) =>
        `<h3 style="color:${colour[v.status]}">${escapeHtml(v.heading)}</h3><table>` +
        v.fields
          .map(([k, val]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(val)}</td></tr>`)
          .join('') +
        '</table>',
    ),
    ...(input.moves?.length
      ? [
          '<h3>Oversized mail</h3><p>Each button opens a page that asks before anything moves.</p><table>',
          ...input.moves.map(
            (m) =>
              `<tr><td>${escapeHtml(untrusted(m.what, 200))}</td><td><a href="${escapeHtml(m.url)}" ` +
              'style="display:inline-block;padding:4px 8px;background:#2b6cb0;color:#ffffff;text-decoration:none;' +
              `border-radius:3px;white-space:nowrap">${escapeHtml(m.label)}</a></td></tr>`,
          ),
          '</table>',
        ]
      : []),
    '</body></html>',
  ].join('\n');
  return { subject: renderAlertSubject(input), text, html };
}

/** The Adaptive Card (1.4) a Teams Workflows webhook posts; Markdown in TextBlock/FactSet is escaped. */
export function renderTeamsCard(input: AlertInput): Record<string, unknown> {
  const md = (s: string) => escapeMarkdown(s);
  const body: unknown[] = [
    { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: md(renderAlertSubject(input)) },
  ];
  for (const v of input.changes.map(view)) {
    body.push({
      type: 'TextBlock',
      weight: 'Bolder',
      wrap: true,
      color: v.status === 'OK' ? 'Good' : v.status === 'WARN' ? 'Warning' : 'Attention',
      text: md(v.heading),
    });
    body.push({
      type: 'FactSet',
      facts: v.fields.map(([title, value]) => ({ title: md(title), value: md(value) })),
    });
  }
  // The same buttons as the mail: Action.OpenUrl opens the confirmation page (a GET that changes nothing).
  const moves = (input.moves ?? []).slice(0, 5);
  for (const m of moves)
    body.push({ type: 'TextBlock', wrap: true, size: 'Small', text: md(untrusted(m.what, 200)) });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(moves.length
      ? {
          actions: moves.map((m, i) => ({
            type: 'Action.OpenUrl',
            title: `${m.label} (${i + 1})`,
            url: m.url,
          })),
        }
      : {}),
  };
}

/** Generic JSON: `text` for Slack-style receivers (escaped per Slack), plus structured, cleaned fields. */
export function renderJsonPayload(input: AlertInput): Record<string, unknown> {
  const { text } = renderAlert(input);
  return {
    text: escapeSlack(text),
    mailbox: input.mailboxId,
    address: untrusted(input.address, 254),
    status: worst(input),
    at: input.at.toISOString(),
    changes: input.changes.map((c) => ({
      action: c.action,
      check: c.result.check,
      status: c.result.status,
      summary: untrusted(c.result.summary, 300),
      since: c.since,
      metrics: c.result.metrics,
      setupStep: c.result.remediation?.setupStep,
    })),
  };
}
