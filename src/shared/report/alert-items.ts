/**
 * What an alert says, before any format: one item per problem (the inbox check alone can report mail waiting too
 * long, a mail too large for the desk and a failed fetch — three problems with three different fixes), each in plain
 * words with the time the problem began, the one thing to do, the setup step only when one applies, and optional
 * action buttons. The mail (alert-html.ts, alert-text.ts), the Teams card and the JSON payload render these items,
 * so every channel says the same thing.
 *
 * Numbers are formatted with units (units.ts); metric keys never reach the reader. Text a check took from the mailbox
 * or a server (summaries, causes, subjects, senders) passes `untrusted()` (cleaned, capped, URLs defanged) here and
 * is escaped by each renderer.
 */
import {
  severity,
  type AlertAction,
  type CheckName,
  type CheckResult,
  type SetupStep,
  type Status,
} from '../contracts.js';
import { untrusted } from './escape.js';
import { formatBytes, formatCount, formatDuration, formatPercent, plural, utcMinute } from './units.js';

export type NotifyAction = Exclude<AlertAction, 'none'>;

/**
 * A button under an item (or a digest row): a link the app itself made (an action link, a portal page). Rendered
 * only for https URLs (http only to a loopback host, as in the lab); never built from mailbox text.
 */
export interface ItemAction {
  label: string;
  url: string;
}

export interface AlertChange {
  action: NotifyAction;
  result: CheckResult;
  /** ISO time the current status began (the first run that saw it). */
  since: string;
}

/** A signed "Move to <folder>" link offered for one oversized message (the app's own URL). */
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
  /**
   * Buttons per item key (`inbox:waiting`, `inbox:oversized`, `inbox:fetch`, otherwise the check name), added by
   * whoever can act on the problem from the mail.
   */
  actions?: Partial<Record<string, ItemAction[]>>;
  /** Action links for oversized mail; shown as the oversized item's buttons. */
  moves?: AlertMove[];
  /** Where docs/deploy.md is published (config `alerts.docsUrl`); setup steps link into it when set. */
  docsUrl?: string;
}

export interface AlertItem {
  /** Stable per kind of problem: `inbox:waiting`, `inbox:oversized`, `inbox:fetch`, else the check name. */
  key: string;
  check: CheckName;
  change: NotifyAction;
  /** As shown: OK for a resolved problem. */
  status: Status;
  /** The item's heading in plain words ("Mail not fetched for 3 h"). */
  title: string;
  /** For the subject line: lower case, short ("mail not fetched for 3 h"). */
  short: string;
  /** One sentence for the summary at the top. */
  sentence: string;
  /** What is wrong, in plain words (may quote cleaned server text). */
  what: string;
  /** When the problem began (or, for a resolved one, when it cleared). */
  since?: { label: string; at: string };
  /** Further facts, numbers with units. */
  facts: Array<[string, string]>;
  /** The one thing to do. */
  todo?: string;
  setupStep?: SetupStep;
  actions: ItemAction[];
}

export const CHANGE_LABEL: Record<NotifyAction, string> = {
  trigger: 'New',
  remind: 'Still failing',
  escalate: 'Worse',
  resolve: 'Resolved',
};

/** What each check watches, for headings of failures whose own words come from a server. */
const CHECK_TOPIC: Record<CheckName, { failing: string; fixed: string }> = {
  auth: {
    failing: 'Sign-in to Microsoft Entra ID fails',
    fixed: 'Sign-in to Microsoft Entra ID works again',
  },
  'credential-expiry': {
    failing: 'The app credential expires soon',
    fixed: 'The app credential is valid again',
  },
  'imap-login': { failing: 'IMAP login fails', fixed: 'IMAP login works again' },
  inbox: { failing: 'The Inbox cannot be read', fixed: 'The Inbox is read normally again' },
  junk: { failing: 'Junk needs a review', fixed: 'Junk has been reviewed' },
  'sent-quota': { failing: 'Close to the sending limit', fixed: 'Sending is back under the limit' },
  'smtp-auth': { failing: 'SMTP sending is refused', fixed: 'SMTP sending works again' },
  'queue-poison': { failing: 'The checks of this mailbox keep crashing', fixed: 'The checks run again' },
};

type Details = Record<string, unknown>;
const num = (m: Record<string, number>, k: string): number | undefined =>
  typeof m[k] === 'number' && Number.isFinite(m[k]) ? m[k] : undefined;
const str = (d: Details | undefined, k: string): string | undefined =>
  typeof d?.[k] === 'string' ? (d[k] as string) : undefined;

function cap(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}
/** Lower-cases the first letter for use mid-sentence, unless the first word is an acronym (IMAP, NO, SMTP). */
function lower(s: string): string {
  return s && !/^[A-Z]{2}/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}
function sentenceOf(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

type Draft = Omit<AlertItem, 'check' | 'change' | 'status' | 'actions' | 'sentence'> & {
  status?: Status;
  sentence?: string;
};

interface Oversized {
  size: number;
  date: string;
  sender: string;
  subject: string;
}

function oversizedList(d: Details | undefined): Oversized[] {
  const list = Array.isArray(d?.oversized) ? (d.oversized as unknown[]) : [];
  return list.flatMap((o) => {
    const x = o as Partial<Oversized>;
    return typeof x?.size === 'number'
      ? [
          {
            size: x.size,
            date: String(x.date ?? ''),
            sender: String(x.sender ?? ''),
            subject: String(x.subject ?? ''),
          },
        ]
      : [];
  });
}

/** The inbox check's problems, each with its own fix: waiting mail, oversized mail, a failed fetch. */
function inboxItems(change: AlertChange): Draft[] {
  const r = change.result;
  const d = r.details;
  const m = r.metrics;
  const folder = untrusted(str(d, 'folder') ?? 'INBOX', 100);
  if (change.action === 'resolve')
    return [
      {
        key: 'inbox',
        title: 'Mail is fetched again',
        short: 'mail is fetched again',
        what: `Nothing waits too long in ${folder} and every mail there can be fetched.`,
        facts: [],
      },
    ];
  const items: Draft[] = [];
  const waiting = num(m, 'waitingMessages');
  const age = num(m, 'oldestWaitingSeconds');
  const oversized = num(m, 'oversizedMessages') ?? 0;
  // Older stored results lack waitingStatus: with no oversized mail the whole status is the waiting part's;
  // otherwise oversized mail alone is WARN, so CRIT must come from waiting mail.
  const waitingStatus =
    (str(d, 'waitingStatus') as Status | undefined) ??
    (oversized === 0 || r.status === 'CRIT' ? r.status : 'OK');
  const fetchFailed = typeof d?.failingUid === 'number' || (waiting === undefined && r.status !== 'OK');
  if (fetchFailed) {
    items.push({
      key: 'inbox:fetch',
      title: `${folder} cannot be read`,
      short: `${folder} cannot be read`,
      what: untrusted(r.summary, 300),
      since: { label: 'Failing since', at: change.since },
      facts: r.remediation ? [['Likely cause', untrusted(r.remediation.cause, 300)]] : [],
      ...(r.remediation ? { todo: untrusted(r.remediation.fix, 400) } : {}),
      ...(r.remediation?.setupStep ? { setupStep: r.remediation.setupStep } : {}),
    });
  }
  if (!fetchFailed && waiting && age !== undefined && waitingStatus !== 'OK') {
    const oldest = d?.oldestWaiting as { internalDate?: string } | undefined;
    const probed = (num(m, 'probeBytes') ?? 0) > 0;
    items.push({
      key: 'inbox:waiting',
      status: waitingStatus,
      title: `Mail not fetched for ${formatDuration(age)}`,
      short: `mail not fetched for ${formatDuration(age)}`,
      sentence: `${plural(waiting, 'mail')} ${waiting === 1 ? 'is' : 'are'} waiting in ${folder}; the oldest arrived ${formatDuration(age)} ago and ESM has not fetched it.`,
      what: `${plural(waiting, 'mail')} ${waiting === 1 ? 'waits' : 'wait'} in ${folder}, the folder ESM fetches from. The oldest has waited ${formatDuration(age)}: ESM is not fetching mail.`,
      since: { label: 'Waiting since', at: oldest?.internalDate ?? change.since },
      facts: probed
        ? [
            [
              'Mailbox',
              `readable: the monitor fetched the oldest mail (${formatBytes(num(m, 'probeBytes') ?? 0)})`,
            ],
          ]
        : [],
      todo: probed
        ? "Check that ESM's mail fetching job is running and read its log: the mailbox itself can be read, so the fault is on ESM's side."
        : "Check that ESM's mail fetching job is running and read its log.",
    });
  }
  if (oversized > 0) {
    const list = oversizedList(d);
    const limit =
      typeof d?.maxMessageBytes === 'number' ? ` (the limit is ${formatBytes(d.maxMessageBytes)})` : '';
    const moved = d?.moved as { to?: string; verified?: boolean } | undefined;
    const first = list.reduce<string | undefined>((o, x) => (!o || x.date < o ? x.date : o), undefined);
    const facts: Array<[string, string]> = list
      .slice(0, 3)
      .map((x, i) => [
        i === 0 ? (list.length > 1 ? 'Mails' : 'Mail') : '',
        `${formatBytes(x.size)} from ${untrusted(x.sender, 120) || 'unknown sender'}, “${untrusted(x.subject, 120) || 'no subject'}”, arrived ${utcMinute(x.date)}`,
      ]);
    if (list.length > 3) facts.push(['', `and ${plural(list.length - 3, 'more mail')}`]);
    const to = moved?.to ? untrusted(moved.to, 100) : undefined;
    items.push({
      key: 'inbox:oversized',
      status: 'WARN',
      title: `${plural(oversized, 'mail')} too large for ESM`,
      short: `${plural(oversized, 'mail')} too large for ESM`,
      sentence: `${plural(oversized, 'mail')} in ${folder} ${oversized === 1 ? 'is' : 'are'} too large for ESM to fetch${limit}.`,
      what: `${plural(oversized, 'mail')} in ${folder} ${oversized === 1 ? 'is' : 'are'} larger than ESM can fetch${limit}; ${oversized === 1 ? 'it' : 'they'} will never become a ticket on ${oversized === 1 ? 'its' : 'their'} own.`,
      since: { label: 'Waiting since', at: first ?? change.since },
      facts,
      todo:
        to && moved?.verified
          ? `Handle the mail moved to ${to} by hand (forward the content to the desk or answer the sender).`
          : `Move ${oversized === 1 ? 'the mail' : 'these mails'} out of ${folder} and handle ${oversized === 1 ? 'it' : 'them'} by hand (or set inbox.moveOversizedTo so the monitor moves them).`,
    });
  }
  if (items.length === 0)
    items.push({
      key: 'inbox',
      title: CHECK_TOPIC.inbox.failing,
      short: 'inbox problem',
      what: untrusted(r.summary, 300),
      facts: [],
    });
  return items;
}

function junkItems(change: AlertChange): Draft[] {
  const r = change.result;
  const folder = untrusted(str(r.details, 'folder') ?? 'Junk', 100);
  if (change.action === 'resolve')
    return [
      {
        key: 'junk',
        title: `${folder} has been reviewed`,
        short: 'junk reviewed',
        what: `Few enough new mails in ${folder} since the last review.`,
        facts: [],
      },
    ];
  const n = num(r.metrics, 'junkUnreviewed');
  if (n === undefined || r.status === 'UNKNOWN') return [genericItem(change)];
  const review = str(r.details, 'lastReviewAt');
  return [
    {
      key: 'junk',
      title: `${plural(n, 'unreviewed mail')} in ${folder}`,
      short: `${plural(n, 'unreviewed mail')} in Junk`,
      sentence: `${plural(n, 'mail')} arrived in ${folder} ${review ? 'since the last review' : 'and it has never been reviewed'}; customer mail may be among them.`,
      what: `${plural(n, 'mail')} arrived in ${folder} ${review ? `since the last review (${utcMinute(review)})` : 'and no review is on record'}. Exchange sometimes files real customer mail there, and ESM never fetches it.`,
      since: { label: 'Needs review since', at: change.since },
      facts: [['In the folder', plural(num(r.metrics, 'junkMessages') ?? n, 'mail')]],
      todo: 'Open the weekly Junk review mail and move the real customer mails it points out to the Inbox.',
    },
  ];
}

function quotaItems(change: AlertChange): Draft[] {
  const r = change.result;
  if (change.action === 'resolve')
    return [
      {
        key: 'sent-quota',
        title: CHECK_TOPIC['sent-quota'].fixed,
        short: 'sending back under the limit',
        what: 'Recipients in the last 24 hours are below the warning level again.',
        facts: [],
      },
    ];
  const recipients = num(r.metrics, 'recipients24h');
  const percent = num(r.metrics, 'quotaPercent');
  if (recipients === undefined || percent === undefined || r.status === 'UNKNOWN')
    return [genericItem(change)];
  const limits = (r.details?.limits ?? {}) as { recipientsPerDay?: number; messagesPerMinute?: number };
  const perDay = limits.recipientsPerDay ?? 10_000;
  const projected = str(r.details, 'projectedLimitAt');
  const facts: Array<[string, string]> = [
    [
      'Recipients in 24 h',
      `${formatCount(recipients)} of ${formatCount(perDay)} (${formatPercent(percent)})`,
    ],
  ];
  if (projected) facts.push(['Limit reached', `${utcMinute(projected)} at the last hour's rate`]);
  const busiest = num(r.metrics, 'busiestMinuteMessages');
  const perMinute = limits.messagesPerMinute ?? 30;
  // The per-minute figure is noise unless it comes near Exchange's 30-a-minute delay threshold.
  if (busiest && busiest * 2 > perMinute)
    facts.push(['Busiest minute', `${plural(busiest, 'mail')} (limit ${formatCount(perMinute)} a minute)`]);
  const rateOnly = r.remediation?.cause.includes('in one minute') === true;
  if (rateOnly)
    return [
      {
        key: 'sent-quota',
        title: 'Too many mails sent in one minute',
        short: 'too many mails a minute',
        what: untrusted(r.remediation?.cause ?? r.summary, 300),
        since: { label: 'Since', at: change.since },
        facts,
        todo: untrusted(r.remediation?.fix ?? '', 300),
      },
    ];
  return [
    {
      key: 'sent-quota',
      title: `${formatPercent(percent)} of the daily sending limit used`,
      short: `${formatPercent(percent)} of the sending limit`,
      sentence: `The mailbox sent to ${formatCount(recipients)} of ${formatCount(perDay)} allowed recipients in the last 24 hours (${formatPercent(percent)}).`,
      what: `The mailbox sent to ${formatCount(recipients)} recipients in the last 24 hours. Exchange Online refuses further mail above ${formatCount(perDay)}, so ESM's replies would then stop.`,
      since: { label: 'Since', at: change.since },
      facts,
      todo: 'Find what sends so much (a mail loop, bulk notifications) and stop or spread it: the window is rolling, so sending recovers as old mails age out.',
    },
  ];
}

function genericItem(change: AlertChange): Draft {
  const r = change.result;
  const topic = CHECK_TOPIC[r.check];
  if (change.action === 'resolve')
    return {
      key: r.check,
      title: topic.fixed,
      short: lower(topic.fixed),
      what: untrusted(r.summary, 300),
      facts: [],
    };
  const fault = str(r.details, 'fault');
  const title = fault === 'monitor' ? 'The monitor cannot check this mailbox' : topic.failing;
  return {
    key: r.check,
    title,
    short: lower(title),
    sentence: `${title}: ${lower(untrusted(r.summary, 200))}`,
    what: cap(untrusted(r.summary, 300)),
    since: { label: 'Failing since', at: change.since },
    facts: r.remediation ? [['Likely cause', cap(untrusted(r.remediation.cause, 300))]] : [],
    ...(r.remediation ? { todo: cap(untrusted(r.remediation.fix, 400)) } : {}),
    ...(r.remediation?.setupStep ? { setupStep: r.remediation.setupStep } : {}),
  };
}

/** Per-check item builders (a registry, so no renderer switches over check names). */
const BUILDERS: ReadonlyMap<CheckName, (c: AlertChange) => Draft[]> = new Map([
  ['inbox', inboxItems],
  ['junk', junkItems],
  ['sent-quota', quotaItems],
]);

function safeActions(list: ItemAction[] | undefined): ItemAction[] {
  return (list ?? []).filter((a) => {
    try {
      const u = new URL(a.url);
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
      return (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) && a.label.trim() !== '';
    } catch {
      return false;
    }
  });
}

function actionsFor(input: AlertInput, key: string): ItemAction[] {
  const own = input.actions?.[key] ?? [];
  if (key !== 'inbox:oversized' || !input.moves?.length) return own;
  const many = input.moves.length > 1;
  // One button per message; with several, the label says which (cleaned mail data, never a link itself).
  return [
    ...own,
    ...input.moves.map((m) => ({
      label: many ? `${m.label}: ${untrusted(m.what, 60)}` : m.label,
      url: m.url,
    })),
  ];
}

/** The items of one notification: problems worst first, then resolved ones. */
export function alertItems(input: AlertInput): AlertItem[] {
  const items = input.changes.flatMap((change) =>
    (BUILDERS.get(change.result.check) ?? ((c: AlertChange) => [genericItem(c)]))(change).map(
      (d): AlertItem => {
        const status: Status = change.action === 'resolve' ? 'OK' : (d.status ?? change.result.status);
        const resolvedSince = { label: 'Resolved at', at: change.result.at };
        return {
          ...d,
          check: change.result.check,
          change: change.action,
          status,
          sentence: sentenceOf(
            d.sentence ?? (change.action === 'resolve' ? `${d.title}` : `${d.title}: ${lower(d.what)}`),
          ),
          ...(change.action === 'resolve' ? { since: resolvedSince } : {}),
          actions: change.action === 'resolve' ? [] : safeActions(actionsFor(input, d.key)),
        };
      },
    ),
  );
  const rank = (i: AlertItem) => (i.change === 'resolve' ? -1 : severity(i.status));
  return items
    .map((item, order) => ({ item, order }))
    .sort((a, b) => rank(b.item) - rank(a.item) || a.order - b.order)
    .map((x) => x.item);
}

/** The worst status among open problems (OK when everything in the notification is resolved). */
export function worstOpen(items: readonly AlertItem[]): Status {
  return items.reduce<Status>((w, i) => (severity(i.status) > severity(w) ? i.status : w), 'OK');
}
