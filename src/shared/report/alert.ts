/**
 * Alert rendering: one notification per mailbox run, grouping every change of that run into items, one per problem
 * (alert-items.ts). Outputs: subject + plain text + HTML (email), an Adaptive Card (Teams), Slack-style JSON — the
 * same summary and items in each.
 *
 * Layout of the mail, as Azure Monitor and Microsoft 365 admin mails do it: a coloured status band, a heading that
 * names the mailbox, a summary of one sentence per problem (worst first), then one block per problem: what is wrong,
 * since when, what to do, the setup step when one applies, and buttons where the app can act.
 */
import { SETUP_STEP_TITLES, type Status } from '../contracts.js';
import {
  alertItems,
  CHANGE_LABEL,
  worstOpen,
  type AlertChange,
  type AlertInput,
  type AlertItem,
  type AlertMove,
  type ItemAction,
  type NotifyAction,
} from './alert-items.js';
import { DEPLOY_DOC, SETUP_STEP_DOCS, setupStepUrl } from './docs-links.js';
import { escapeHtml, escapeMarkdown, escapeSlack, headerSafe, untrusted } from './escape.js';
import {
  button,
  cardRow,
  COLOURS,
  fieldRow,
  heading,
  link,
  page,
  paragraph,
  STATUS_COLOUR,
  statusLabel,
  STATUS_WORD,
} from './mail-layout.js';
import { utcMinute } from './units.js';

export {
  alertItems,
  type AlertChange,
  type AlertInput,
  type AlertItem,
  type AlertMove,
  type ItemAction,
  type NotifyAction,
};
export { utcMinute };

export interface RenderedAlert {
  subject: string;
  text: string;
  html: string;
}

/** Subject and Nagios-style word per worst status. */
const SUBJECT_WORD: Record<Status, string> = {
  CRIT: 'CRIT',
  UNKNOWN: 'UNKNOWN',
  WARN: 'WARN',
  OK: 'RESOLVED',
};

function address(input: AlertInput): string {
  return untrusted(input.address, 254);
}

/** `CRIT servicedesk@contoso.com: mail not fetched for 3 h · 1 mail too large for ESM`. */
export function renderAlertSubject(input: AlertInput): string {
  const items = alertItems(input);
  const open = items.filter((i) => i.change !== 'resolve');
  const shown = open.length > 0 ? open : items;
  return headerSafe(
    `${SUBJECT_WORD[worstOpen(items)]} ${address(input)}: ${shown.map((i) => i.short).join(' · ')}`,
    200,
  );
}

function headline(input: AlertInput, items: AlertItem[]): string {
  const open = items.filter((i) => i.change !== 'resolve').length;
  if (open === 0) return `All clear for ${address(input)}`;
  return `${open === 1 ? 'A problem' : `${open} problems`} with ${address(input)}`;
}

function setupText(item: AlertItem, docsUrl: string | undefined): string | undefined {
  if (!item.setupStep) return undefined;
  const doc = SETUP_STEP_DOCS[item.setupStep];
  const url = setupStepUrl(item.setupStep, docsUrl);
  return `${SETUP_STEP_TITLES[item.setupStep]} — ${url ?? `${DEPLOY_DOC}, section “${doc.section}”`}`;
}

/** "Critical · New"; a resolved item is just "Resolved". */
function statusWords(item: AlertItem): string {
  return item.change === 'resolve'
    ? STATUS_WORD.OK
    : `${STATUS_WORD[item.status]} · ${CHANGE_LABEL[item.change]}`;
}

/** Label/value lines of one item, in reading order (shared by text, HTML, card). */
function itemFields(item: AlertItem): Array<[string, string]> {
  const fields: Array<[string, string]> = [['What is wrong', item.what]];
  if (item.change === 'resolve') fields[0] = ['Now', item.what];
  if (item.since) fields.push([item.since.label, utcMinute(item.since.at)]);
  fields.push(...item.facts.filter(([, v]) => v));
  if (item.todo) fields.push(['What to do', item.todo]);
  return fields;
}

export function renderAlertText(input: AlertInput, items = alertItems(input)): string {
  const lines = [
    `${headline(input, items)} (mailbox-health, ${input.mailboxId})`,
    `Checked ${utcMinute(input.at)}.`,
    '',
    'Summary:',
    ...items.map((i) => `- ${STATUS_WORD[i.status]}: ${i.sentence}`),
    '',
  ];
  items.forEach((item, n) => {
    lines.push(`${n + 1}. ${item.title} [${statusWords(item)}]`);
    let label = '';
    for (const [k, v] of itemFields(item)) {
      label = k || label;
      lines.push(`   ${k ? `${k}: ` : ''.padEnd(label.length + 2)}${v}`);
    }
    const setup = setupText(item, input.docsUrl);
    if (setup) lines.push(`   Setup step: ${setup}`);
    for (const a of item.actions) lines.push(`   ${a.label}: ${a.url}`);
    lines.push('');
  });
  lines.push(
    'The monitor reads the mailbox without changing it, unless you press one of the buttons above.',
    `Alerts repeat every day while a problem lasts; you get a "resolved" mail when it clears.`,
  );
  return lines.join('\n') + '\n';
}

function itemHtml(item: AlertItem, n: number, docsUrl: string | undefined): string {
  const colour = STATUS_COLOUR[item.status];
  let label = '';
  const rows = itemFields(item).map(([k, v]) => {
    const shown = k && k !== label ? k : '';
    label = k || label;
    return fieldRow(shown, escapeHtml(v));
  });
  if (item.setupStep) {
    const doc = SETUP_STEP_DOCS[item.setupStep];
    const url = setupStepUrl(item.setupStep, docsUrl);
    const where = url
      ? link(url, `${DEPLOY_DOC}: ${doc.section}`)
      : escapeHtml(`${DEPLOY_DOC}, section “${doc.section}”`);
    rows.push(fieldRow('Setup step', `${escapeHtml(SETUP_STEP_TITLES[item.setupStep])} — ${where}`));
  }
  const buttons = item.actions.map((a) => button(a.url, a.label)).join('');
  return cardRow(
    `<table role="presentation" class="mh-item" data-item="${escapeHtml(item.key)}" width="100%" cellpadding="0" cellspacing="0" border="0">` +
      `<tr><td style="border-left:4px solid ${colour};padding:2px 0 2px 12px">` +
      `<p style="margin:0 0 2px 0;font-size:13px">${statusLabel(item.status, item.change === 'resolve' ? undefined : CHANGE_LABEL[item.change])}</p>` +
      `<h2 class="mh-t" style="margin:0 0 6px 0;font-size:16px;line-height:22px;font-weight:600;color:${COLOURS.text};overflow-wrap:anywhere">` +
      `${n}. ${escapeHtml(item.title)}</h2>` +
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="table-layout:auto">${rows.join('')}</table>` +
      buttons +
      '</td></tr></table>',
    '20px 20px 0 20px',
  );
}

export function renderAlertHtml(input: AlertInput, items = alertItems(input)): string {
  const worst = worstOpen(items);
  const summary =
    `<ul class="mh-summary" style="margin:0;padding:0 0 0 20px">` +
    items
      .map(
        (i) =>
          `<li class="mh-t" style="margin:0 0 4px 0;color:${COLOURS.text};overflow-wrap:anywhere">` +
          `${statusLabel(i.status)}<span class="mh-t" style="color:${COLOURS.text}">: ${escapeHtml(i.sentence)}</span></li>`,
      )
      .join('') +
    '</ul>';
  return page({
    title: renderAlertSubject(input),
    preheader: items.map((i) => i.sentence).join(' '),
    bandColour: STATUS_COLOUR[worst],
    band: `${STATUS_WORD[worst]} · mailbox-health · ${input.mailboxId}`,
    rows: [
      cardRow(
        heading(headline(input, items)) +
          paragraph(`Checked ${escapeHtml(utcMinute(input.at))}.`, true) +
          `<div class="mh-soft" style="background:${COLOURS.soft};padding:12px 12px 8px 12px;margin:8px 0 0 0">${summary}</div>`,
      ),
      ...items.map((item, n) => itemHtml(item, n + 1, input.docsUrl)),
    ],
    footer:
      'The monitor reads the mailbox without changing it, unless you press one of the buttons above. ' +
      'Alerts repeat every day while a problem lasts; a “resolved” mail follows when it clears.',
  });
}

export function renderAlert(input: AlertInput): RenderedAlert {
  const items = alertItems(input);
  return {
    subject: renderAlertSubject(input),
    text: renderAlertText(input, items),
    html: renderAlertHtml(input, items),
  };
}

const CARD_COLOUR: Record<Status, string> = {
  OK: 'Good',
  WARN: 'Warning',
  UNKNOWN: 'Default',
  CRIT: 'Attention',
};

/** The Adaptive Card (1.4) a Teams Workflows webhook posts; Markdown in TextBlock/FactSet is escaped. */
export function renderTeamsCard(input: AlertInput): Record<string, unknown> {
  const md = (s: string) => escapeMarkdown(s);
  const items = alertItems(input);
  const worst = worstOpen(items);
  const body: unknown[] = [
    {
      type: 'TextBlock',
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      color: CARD_COLOUR[worst],
      text: md(`${STATUS_WORD[worst]}: ${headline(input, items)}`),
    },
    {
      type: 'TextBlock',
      isSubtle: true,
      spacing: 'None',
      wrap: true,
      text: md(`Checked ${utcMinute(input.at)}`),
    },
    ...items.map((i) => ({
      type: 'TextBlock',
      wrap: true,
      spacing: 'Small',
      text: md(`${STATUS_WORD[i.status]}: ${i.sentence}`),
    })),
  ];
  items.forEach((item, n) => {
    const facts = itemFields(item).filter(([k]) => k !== 'What is wrong' && k !== 'Now');
    const setup = setupText(item, input.docsUrl);
    if (setup) facts.push(['Setup step', setup]);
    body.push({
      type: 'Container',
      separator: true,
      spacing: 'Medium',
      items: [
        {
          type: 'TextBlock',
          weight: 'Bolder',
          wrap: true,
          color: CARD_COLOUR[item.status],
          text: md(`${n + 1}. ${item.title} (${statusWords(item)})`),
        },
        {
          type: 'TextBlock',
          wrap: true,
          spacing: 'Small',
          text: md(item.change === 'resolve' ? item.what : item.what),
        },
        { type: 'FactSet', facts: facts.map(([title, value]) => ({ title: md(title), value: md(value) })) },
        ...(item.actions.length
          ? [
              {
                type: 'ActionSet',
                actions: item.actions.map((a) => ({ type: 'Action.OpenUrl', title: a.label, url: a.url })),
              },
            ]
          : []),
      ],
    });
  });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body,
  };
}

/** Generic JSON: `text` for Slack-style receivers (escaped per Slack), plus the structured items. */
export function renderJsonPayload(input: AlertInput): Record<string, unknown> {
  const items = alertItems(input);
  return {
    text: escapeSlack(renderAlertText(input, items)),
    subject: renderAlertSubject(input),
    mailbox: input.mailboxId,
    address: address(input),
    status: worstOpen(items),
    at: input.at.toISOString(),
    summary: items.map((i) => i.sentence),
    items: items.map((i) => ({
      key: i.key,
      check: i.check,
      change: i.change,
      status: i.status,
      title: i.title,
      what: i.what,
      ...(i.since ? { since: { label: i.since.label, at: i.since.at } } : {}),
      facts: i.facts.filter(([, v]) => v).map(([label, value]) => ({ label, value })),
      ...(i.todo ? { todo: i.todo } : {}),
      ...(i.setupStep
        ? { setupStep: i.setupStep, setupStepUrl: setupStepUrl(i.setupStep, input.docsUrl) }
        : {}),
      actions: i.actions,
    })),
  };
}
