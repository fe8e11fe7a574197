/**
 * The weekly spam-review digest as { subject, text, html }: Junk count, new since the last review,
 * the newest messages (received, sender, subject, size) with "likely legitimate" hints, an 8-week chart drawn with
 * HTML tables, and the vendor guide's instruction to move real customer mails to the fetched folder.
 *
 * Everything from the mailbox (subjects, senders, folder names) goes through `mailText`/`mailHtml`: escaped,
 * length-capped, control and bidi characters neutralised, URL-looking text broken (see digest-text.ts). No image,
 * and no link built from mail data: the only `href`s are the app's own signed action links (digest-actions.ts),
 * present only when action links are configured.
 */
import type { JunkItem, LegitHint, ReviewCollection } from './types.js';
import { chartHtml, chartText } from './digest-chart.js';
import { mailHtml, mailText } from './digest-text.js';
import { cleanText, escapeHtml, headerSafe } from '../report/escape.js';
import type { DigestActions, ReleaseView } from './digest-actions.js';

/** Display caps (code points) for mail data. */
export const DIGEST_CAPS = {
  subject: 200,
  senderName: 80,
  senderAddress: 120,
  folder: 100,
  ticket: 40,
} as const;

/** Quoted from the vendor's setup guide ("Using OAuth2 with O365"; docs/exchange-online.md). */
export const SEED_INSTRUCTION =
  'ESM admins should log in weekly to the email accounts that are read into ESM to check if the spam folder ' +
  'contains actual customer emails and move them to the folder from which the emails are fetched to ESM ' +
  '(usually inbox folder).';

export interface DigestInput {
  collection: ReviewCollection;
  /** The mailbox address (from the validated config). */
  mailboxAddress: string;
  /** The folder ESM fetches from (config folders.inbox). */
  fetchedFolder: string;
  /** Signed "Move to <folder>" links (absent: no buttons). */
  actions?: DigestActions;
  /** Messages moved out of Junk through action links since the last review. */
  releases?: ReleaseView[];
}

/** A link styled as a button (mail clients drop <button> and CSS classes; inline styles survive). */
function buttonHtml(url: string, label: string): string {
  return (
    `<a href="${escapeHtml(url)}" style="display:inline-block;padding:4px 8px;background:#2b6cb0;color:#ffffff;` +
    `text-decoration:none;border-radius:3px;font-size:12px;white-space:nowrap">${escapeHtml(label)}</a>`
  );
}

export interface Digest {
  subject: string;
  text: string;
  html: string;
}

const HINT_TEXT: Record<Exclude<LegitHint, 'ticket-number'>, string> = {
  'known-sender': 'sender corresponded with this mailbox in the last 30 days',
  'known-domain': "sender's domain seen in Inbox or Sent Items in the last 30 days",
  'reply-subject': 'subject is a reply',
};

function hintTexts(item: JunkItem): string[] {
  return item.hints.map((h) =>
    h === 'ticket-number' ? `ticket number ${mailText(item.ticket ?? '', DIGEST_CAPS.ticket)}` : HINT_TEXT[h],
  );
}

/** `2026-11-23 10:00 UTC` from our own ISO string (never from mail headers). */
function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function sender(item: JunkItem): string {
  const name = mailText(item.senderName, DIGEST_CAPS.senderName);
  const address = mailText(item.senderAddress, DIGEST_CAPS.senderAddress);
  return name && address ? `${name} <${address}>` : address || name || '(no sender)';
}

export function renderDigest(input: DigestInput): Digest {
  const c = input.collection;
  const folder = mailText(c.junkFolder.path, DIGEST_CAPS.folder);
  const fetched = cleanText(input.fetchedFolder, DIGEST_CAPS.folder);
  const atLeast = c.scanTruncated ? 'at least ' : '';
  const hinted = c.listed.filter((i) => i.hints.length > 0).length;
  const since = c.lastReviewAt
    ? `since the last review (${when(c.lastReviewAt)})`
    : '(no earlier review on record)';
  // A mail header: one line, no control characters (escape.ts headerSafe); the folder name is mail-server data.
  const subject = headerSafe(
    `Weekly Junk review: ${cleanText(input.mailboxAddress, 120)} - ${atLeast}${c.newSinceReview} new, ` +
      `${c.junkCount} in ${folder}`,
    300,
  );
  const headline = [
    `${c.junkCount} messages in ${folder}; ${atLeast}${c.newSinceReview} new ${since}.`,
    c.listed.length > 0
      ? `The ${c.listed.length} newest are listed; ${hinted} of them look like they may be legitimate.`
      : 'Nothing to review.',
  ];
  const instruction = `Move real customer mails to "${fetched}", the folder ESM fetches from.`;
  const note =
    'Hints are heuristics: a forged sender can earn any of them. This review read the mailbox without changing it ' +
    '(nothing was moved or marked read).';

  const actions = input.actions;
  const moveLabel = `Move to ${cleanText(actions?.destination ?? input.fetchedFolder, 40)}`;
  const allLabel = actions?.allLikely ? `Move all likely legitimate (${actions.allLikely.count})` : '';
  const releases = input.releases ?? [];
  const releasesTitle = `Moved from ${folder} to ${fetched} through this mail's buttons since the last review:`;
  const releaseLine = (r: ReleaseView) =>
    `${when(r.at)} | ${mailText(r.from, DIGEST_CAPS.senderAddress) || '(no sender)'} | ` +
    `${mailText(r.subject, DIGEST_CAPS.subject) || '(no subject)'}${r.user ? ` | by ${cleanText(r.user, 120)}` : ''}`;

  const text = [
    subject,
    '',
    ...headline,
    '',
    `From the setup guide: "${SEED_INSTRUCTION}"`,
    instruction,
    '',
    ...c.listed.map((i) => {
      const hints = hintTexts(i);
      return (
        `- ${when(i.received)} | ${sender(i)} | ${mailText(i.subject, DIGEST_CAPS.subject) || '(no subject)'} | ` +
        `${formatSize(i.sizeBytes)}${hints.length ? ` | LIKELY LEGITIMATE: ${hints.join('; ')}` : ''}` +
        (actions?.perItem.get(i.uid) ? `\n  ${moveLabel}: ${actions.perItem.get(i.uid)}` : '')
      );
    }),
    ...(actions?.allLikely ? ['', `${allLabel}: ${actions.allLikely.url}`] : []),
    ...(releases.length ? ['', releasesTitle, ...releases.map((r) => `- ${releaseLine(r)}`)] : []),
    '',
    `Junk arrivals per week (ISO weeks, UTC):`,
    ...chartText(c.weekly),
    '',
    note,
    '',
  ].join('\n');

  const cell = 'style="font-size:12px;border-bottom:1px solid #dddddd" valign="top"';
  // Mail-derived text can be one unbroken 10 kB "word": let it wrap inside its column instead of pushing the
  // hints column off the screen (fixed layout + explicit widths; word-break for the clients that honour it).
  const wrap =
    'style="font-size:12px;border-bottom:1px solid #dddddd;word-break:break-all;overflow-wrap:anywhere" valign="top"';
  const rows = c.listed.map((i) => {
    const hints = hintTexts(i);
    return (
      `<tr${hints.length ? ' bgcolor="#fff3cd"' : ''}>` +
      `<td ${cell} nowrap>${escapeHtml(when(i.received))}</td>` +
      `<td ${wrap}>${escapeHtml(sender(i))}</td>` +
      `<td ${wrap}>${mailHtml(i.subject, DIGEST_CAPS.subject) || '(no subject)'}</td>` +
      `<td ${cell} align="right" nowrap>${escapeHtml(formatSize(i.sizeBytes))}</td>` +
      `<td ${cell}>${hints.map((h) => escapeHtml(h)).join('<br>')}</td>` +
      (actions
        ? `<td ${cell}>${actions.perItem.get(i.uid) ? buttonHtml(actions.perItem.get(i.uid)!, moveLabel) : ''}</td>`
        : '') +
      '</tr>'
    );
  });
  const th = 'align="left" style="font-size:12px;border-bottom:2px solid #999999"';
  const list =
    rows.length === 0
      ? '<p>Nothing to review.</p>'
      : `<table role="presentation" cellpadding="4" cellspacing="0" border="0" width="100%" style="table-layout:fixed">` +
        (actions
          ? `<tr><th ${th} width="12%">Received</th><th ${th} width="18%">Sender</th><th ${th} width="30%">Subject</th>` +
            `<th ${th} width="8%">Size</th><th ${th} width="16%">Likely legitimate?</th><th ${th} width="16%">Action</th></tr>`
          : `<tr><th ${th} width="14%">Received</th><th ${th} width="20%">Sender</th><th ${th} width="40%">Subject</th>` +
            `<th ${th} width="8%">Size</th><th ${th} width="18%">Likely legitimate?</th></tr>`) +
        `${rows.join('')}</table>`;
  const html =
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#222222">` +
    `<h2 style="font-size:18px">${escapeHtml(subject)}</h2>` +
    headline.map((l) => `<p>${escapeHtml(l)}</p>`).join('') +
    `<table role="presentation" cellpadding="8" cellspacing="0" border="0" width="100%"><tr>` +
    `<td bgcolor="#eef4fb" style="border-left:4px solid #2b6cb0">` +
    `<p style="margin:0 0 6px 0"><b>From the setup guide:</b> <i>&ldquo;${escapeHtml(SEED_INSTRUCTION)}&rdquo;</i></p>` +
    `<p style="margin:0"><b>${escapeHtml(instruction)}</b></p></td></tr></table>` +
    (actions?.allLikely
      ? `<p>${buttonHtml(actions.allLikely.url, allLabel)} <span style="font-size:12px;color:#555555">` +
        `opens a page that asks before anything moves</span></p>`
      : '') +
    `<h3 style="font-size:15px">Newest messages in ${escapeHtml(folder)}</h3>${list}` +
    (releases.length
      ? `<h3 style="font-size:15px">${escapeHtml(releasesTitle)}</h3><ul>` +
        releases.map((r) => `<li style="font-size:12px">${escapeHtml(releaseLine(r))}</li>`).join('') +
        '</ul>'
      : '') +
    `<h3 style="font-size:15px">Junk arrivals per week (ISO weeks, UTC)</h3>${chartHtml(c.weekly)}` +
    `<p style="font-size:12px;color:#666666">${escapeHtml(note)}</p></body></html>`;

  return { subject, text, html };
}
