/**
 * The pages of the `mailboxAction` endpoint: server-rendered HTML, no script, no external asset, one inline style
 * block (the CSP allows only that), every mailbox-derived string (subjects, senders, folder names, server replies)
 * cleaned (control and bidi characters removed, capped) and escaped. The GET page only confirms; its form is the one way to act.
 */
import { cleanText, escapeHtml } from '../report/escape.js';
import type { ActionEntity } from '../state/ports.js';

/** Mail data for element content: one clean, capped line, escaped (a web page does not auto-link text). */
const mailHtml = (value: unknown, max: number) =>
  escapeHtml(cleanText(typeof value === 'string' ? value : '', max));

/** Sent with every page of the endpoint. */
export const ACTION_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
};

export interface ActionPage {
  status: number;
  /** A stable word for tests, logs and telemetry. */
  outcome: string;
  title: string;
  html: string;
}

const STYLE =
  'body{font-family:Segoe UI,Arial,sans-serif;font-size:15px;color:#222;margin:0;padding:16px;line-height:1.4}' +
  'main{max-width:760px;margin:0 auto}h1{font-size:20px}table{border-collapse:collapse;width:100%;table-layout:fixed}' +
  'th,td{text-align:left;border-bottom:1px solid #ddd;padding:6px;vertical-align:top;overflow-wrap:anywhere}' +
  '.box{border-left:4px solid #2b6cb0;background:#eef4fb;padding:8px 12px}.bad{border-left-color:#a4262c;background:#fdf3f4}' +
  '.ok{border-left-color:#107c10;background:#f1faf1}button{font-size:16px;padding:10px 18px;background:#2b6cb0;' +
  'color:#fff;border:0;border-radius:4px;cursor:pointer}small{color:#555}';

function layout(title: string, body: string): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
  );
}

function page(status: number, outcome: string, title: string, body: string): ActionPage {
  return { status, outcome, title, html: layout(title, body) };
}

const folderHtml = (f: string) => `&ldquo;${mailHtml(f, 100)}&rdquo;`;
const p = (text: string, cls = '') => `<p${cls ? ` class="${cls}"` : ''}>${text}</p>`;

/** `2026-11-23 07:00 UTC` from our own ISO time. */
export function pageTime(iso: string | number | Date): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? 'an unknown time'
    : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const OUTCOME_WORDS: Record<ActionEntity['items'][number]['outcome'], string> = {
  moved: 'moved',
  'already-there': 'already there (moved earlier)',
  'not-found': 'no longer in the source folder (moved or deleted by someone else)',
  failed: 'not confirmed: not found in the destination after the move',
  pending: 'not moved',
};

export interface ItemView {
  subject: string;
  from: string;
  outcome?: ActionEntity['items'][number]['outcome'];
}

function itemsTable(items: readonly ItemView[], withOutcome: boolean): string {
  const rows = items.map(
    (i) =>
      `<tr><td>${mailHtml(i.from, 60) || '(no sender)'}</td><td>${mailHtml(i.subject, 60) || '(no subject)'}</td>` +
      (withOutcome ? `<td>${escapeHtml(OUTCOME_WORDS[i.outcome ?? 'pending'])}</td>` : '') +
      '</tr>',
  );
  return `<table><tr><th>Sender</th><th>Subject</th>${withOutcome ? '<th>Result</th>' : ''}</tr>${rows.join('')}</table>`;
}

export interface ConfirmInput {
  action: 'release' | 'move-oversized';
  mailboxAddress: string;
  folder: string;
  destination: string;
  items: readonly ItemView[];
  expiresAt: number;
  /** The path the form posts to (same origin: the CSP's form-action 'self'). */
  formAction: string;
  token: string;
  signInUser?: string;
}

export function confirmPage(c: ConfirmInput): ActionPage {
  const n = c.items.length;
  const what = n === 1 ? 'this message' : `these ${n} messages`;
  const title = c.action === 'release' ? `Move to ${cleanText(c.destination, 60)}?` : `Move oversized mail?`;
  const body =
    p(
      `Mailbox <b>${mailHtml(c.mailboxAddress, 120)}</b>: move ${what} from ${folderHtml(c.folder)} ` +
        `to ${folderHtml(c.destination)}.`,
      'box',
    ) +
    itemsTable(c.items, false) +
    p(
      'Nothing has changed yet. Opening this page changes nothing; only the button below moves the ' +
        `${n === 1 ? 'message' : 'messages'} (IMAP MOVE: nothing is copied, deleted or marked read).`,
    ) +
    `<form method="post" action="${escapeHtml(c.formAction)}">` +
    `<input type="hidden" name="t" value="${escapeHtml(c.token)}">` +
    `<button type="submit">Move ${n === 1 ? 'it' : `all ${n}`} to ${escapeHtml(cleanText(c.destination, 60))}</button>` +
    `</form>` +
    p(
      `<small>This link works once and until ${escapeHtml(pageTime(c.expiresAt))}.` +
        `${c.signInUser ? ` Signed in as ${escapeHtml(cleanText(c.signInUser, 120))}.` : ''}</small>`,
    );
  return page(200, 'confirm', title, body);
}

/** The page after the POST carried the action out (some items may have been moved by someone else before). */
export function resultPage(r: ActionEntity): ActionPage {
  const moved = r.items.filter((i) => i.outcome === 'moved').length;
  const there = r.items.filter((i) => i.outcome === 'already-there').length;
  const gone = r.items.filter((i) => i.outcome === 'not-found').length;
  const from = folderHtml(r.folder);
  const to = folderHtml(r.destination);
  if (moved === 0 && gone === r.items.length) {
    const title = `No longer in ${cleanText(r.folder, 60)}`;
    return page(
      409,
      'not-in-source',
      title,
      p(
        `Nothing was moved: the ${r.items.length === 1 ? 'message is' : 'messages are'} no longer in ${from} ` +
          `and not in ${to} either — someone moved or deleted ${r.items.length === 1 ? 'it' : 'them'}.`,
        'box bad',
      ) + itemsTable(r.items, true),
    );
  }
  if (moved === 0 && there > 0 && gone + there === r.items.length) {
    return page(
      200,
      'already-there',
      `Already in ${cleanText(r.destination, 60)}`,
      p(`Nothing needed moving: already in ${to} (moved earlier, by another link or by hand).`, 'box ok') +
        itemsTable(r.items, true),
    );
  }
  const failed = r.items.filter((i) => i.outcome === 'failed').length;
  const title = failed ? 'Moved, with problems' : 'Moved';
  return page(
    failed ? 500 : 200,
    failed ? 'partly-moved' : 'moved',
    title,
    p(
      `${moved} of ${r.items.length} moved from ${from} to ${to}, and confirmed there by Message-ID.`,
      failed ? 'box bad' : 'box ok',
    ) +
      itemsTable(r.items, true) +
      p(
        `<small>Done ${escapeHtml(pageTime(r.finishedAt ?? r.claimedAt))}. This link cannot be used again.</small>`,
      ),
  );
}

/** A replay (or a second click): what the first use did, when, and through which link. */
export function alreadyUsedPage(r: ActionEntity, nonce: string): ActionPage {
  const which =
    `the link issued ${escapeHtml(pageTime(r.issuedAt))} (id ${escapeHtml(nonce.slice(0, 8))})` +
    (r.user ? `, used by ${escapeHtml(cleanText(r.user, 120))}` : '');
  if (r.state === 'claimed') {
    return page(
      409,
      'in-progress',
      'This link is being used',
      p(
        `This link was used ${escapeHtml(pageTime(r.claimedAt))} and that attempt has not finished (or was ` +
          `interrupted) — ${which}. Nothing was changed now.`,
        'box bad',
      ) + itemsTable(r.items, false),
    );
  }
  const done = r.state === 'done' ? cleanText(r.summary ?? '', 200) : 'the move failed part-way';
  return page(
    200,
    'already-done',
    'Already done',
    p(
      `This link was already used ${escapeHtml(pageTime(r.finishedAt ?? r.claimedAt))} — ${which}: ` +
        `${mailHtml(done, 200)}. Nothing was changed now.`,
      'box ok',
    ) + itemsTable(r.items, true),
  );
}

export function expiredPage(expiresAt: number): ActionPage {
  return page(
    410,
    'expired',
    'This link has expired',
    p(
      `It was valid until ${escapeHtml(pageTime(expiresAt))}. Nothing was changed. Links in a digest last 8 days; ` +
        'the next digest or alert carries new ones.',
      'box bad',
    ),
  );
}

export function invalidPage(): ActionPage {
  return page(
    400,
    'invalid',
    'This link is not valid',
    p(
      'Nothing was changed. The link was altered or cut short, or it was signed with a key this app does not ' +
        'have (it may come from another installation, or from before two key rotations).',
      'box bad',
    ),
  );
}

export function unknownMailboxPage(): ActionPage {
  return page(
    404,
    'unknown-mailbox',
    'Not a mailbox this app monitors',
    p('Nothing was changed: the link names a mailbox that is not in this app’s configuration.', 'box bad'),
  );
}

export function unreachablePage(r: ActionEntity): ActionPage {
  const f = r.fault ?? { code: 'ERROR', message: 'unknown failure' };
  return page(
    503,
    'unreachable',
    'The mailbox could not be reached',
    p(`${mailHtml(f.message, 300)} <small>(${escapeHtml(cleanText(f.code, 40))})</small>`, 'box bad') +
      (f.fix ? p(`Fix: ${mailHtml(f.fix, 300)}`) : '') +
      p(
        r.moveAttempted
          ? 'The failure came during the move: check the folders below before trying anything else.'
          : 'Nothing was moved. The link can be used again once the mailbox is reachable.',
      ) +
      itemsTable(r.items, r.moveAttempted),
  );
}

export function busyPage(holder: string, until: Date): ActionPage {
  const who = holder.startsWith('action:')
    ? 'another action'
    : holder.startsWith('review:')
      ? 'the spam review'
      : 'a check run';
  return page(
    503,
    'busy',
    'The mailbox is busy',
    p(
      `${escapeHtml(who)} is using this mailbox's connection until ${escapeHtml(pageTime(until))}. ` +
        'Nothing was changed; reload this page in a minute and confirm again.',
      'box bad',
    ),
  );
}

export function notConfiguredPage(): ActionPage {
  return page(
    503,
    'not-configured',
    'Actions are not set up',
    p('This app has no action-link key configured (ACTION_LINK_KEY), so it cannot check links.', 'box bad'),
  );
}

export function signInRequiredPage(): ActionPage {
  return page(
    401,
    'sign-in-required',
    'Sign-in required',
    p(
      'This app requires Entra sign-in in front of its action pages, and this request did not come through it. ' +
        'Nothing was changed.',
      'box bad',
    ),
  );
}

export function methodNotAllowedPage(): ActionPage {
  return page(
    405,
    'method-not-allowed',
    'Not allowed',
    p('Use the link from the mail, then the button.', 'box bad'),
  );
}
