/**
 * The weekly spam-review digest as { subject, text, html }: the messages that look like real customer mail first,
 * each with the reason, then the rest of the newest Junk messages, an 8-week chart (HTML tables) and the vendor
 * guide's instruction to move real customer mails to the fetched folder. The same frame as the alert
 * (mail-layout.ts): 600 px, inline styles, AA contrast, stacking on phones.
 *
 * Everything from the mailbox (subjects, senders, folder names) goes through digest-text.ts: cleaned, capped, URLs
 * in free text defanged, addresses left copyable, then escaped. The only links are buttons the app itself made
 * (`actions`, `bulkActions`); nothing from a mail ever becomes a link or an image.
 */
import type { JunkItem, LegitHint, ReviewCollection } from './types.js';
import type { ItemAction } from '../report/alert-items.js';
import type { DigestActions, ReleaseView } from './digest-actions.js';
import { chartHtml, chartText } from './digest-chart.js';
import { addressText, mailHtml, mailText } from './digest-text.js';
import { isDangerous, verdictWords } from './microsoft-verdict.js';
import { cleanText, escapeHtml, headerSafe } from '../report/escape.js';
import { button, cardRow, COLOURS, heading, link, page, paragraph } from '../report/mail-layout.js';
import { formatBytes, formatCount, plural, utcMinute } from '../report/units.js';

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
  /** Buttons over the likely-legitimate list (e.g. "Move all likely legitimate (2)"). */
  bulkActions?: ItemAction[];
  /** Signed "Move to <folder>" links per listed message and for all likely-legitimate ones (digest-actions.ts). */
  actions?: DigestActions;
  /** Messages moved out of Junk through action links since the last review. */
  releases?: ReleaseView[];
}

export interface Digest {
  subject: string;
  text: string;
  html: string;
}

const HINT_TEXT: Record<Exclude<LegitHint, 'ticket-number'>, string> = {
  'known-sender': 'the sender corresponded with this mailbox in the last 30 days',
  'known-domain': "the sender's domain appears in Inbox or Sent Items of the last 30 days",
  'reply-subject': 'the subject is a reply',
};

function hintTexts(item: JunkItem): string[] {
  return item.hints.map((h) =>
    h === 'ticket-number' ? `ticket number ${mailText(item.ticket ?? '', DIGEST_CAPS.ticket)}` : HINT_TEXT[h],
  );
}

/** Kept for callers that format a size; the digest uses units.ts directly. */
export const formatSize = formatBytes;

function senderText(item: JunkItem): string {
  const name = mailText(item.senderName, DIGEST_CAPS.senderName);
  const address = addressText(item.senderAddress, DIGEST_CAPS.senderAddress);
  return name && address ? `${name} <${address}>` : address || name || '(no sender)';
}

function senderHtml(item: JunkItem): string {
  const name = mailHtml(item.senderName, DIGEST_CAPS.senderName);
  const address = escapeHtml(addressText(item.senderAddress, DIGEST_CAPS.senderAddress));
  if (!address) return name ? `<b>${name}</b>` : '(no sender)';
  // The address in its own span: whole words, copyable as they are.
  return `${name ? `<b>${name}</b> ` : ''}<span class="mh-addr">&lt;${address}&gt;</span>`;
}

/** Microsoft's verdict in words (our own fixed words and numbers, nothing copied from the mail). */
function verdictText(item: JunkItem): string {
  return verdictWords(item.verdict);
}

function verdictHtml(item: JunkItem): string {
  const words = escapeHtml(verdictText(item));
  return `<span class="mh-verdict">${isDangerous(item.verdict) ? `<b>${words}</b>` : words}</span>`;
}

function subjectText(item: JunkItem): string {
  return mailText(item.subject, DIGEST_CAPS.subject) || '(no subject)';
}

function safeActions(list: ItemAction[] | undefined): ItemAction[] {
  return (list ?? []).filter((a) => /^https:\/\/|^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(a.url));
}

// ISO 8601 instants of one format order as text; localeCompare would load ICU's collator for that.
const byNewest = (a: JunkItem, b: JunkItem) =>
  (b.received < a.received ? -1 : b.received > a.received ? 1 : 0) || b.uid - a.uid;

function legitRow(item: JunkItem): string {
  const c = COLOURS;
  const buttons = safeActions(item.actions)
    .map((a) => button(a.url, a.label))
    .join('');
  return (
    `<tr class="mh-legit" data-uid="${item.uid}"><td class="mh-hl" bgcolor="${c.highlight}" style="background:${c.highlight};padding:10px 12px;border-top:1px solid ${c.rule}">` +
    `<p class="mh-t" style="margin:0;color:${c.text};overflow-wrap:anywhere">${senderHtml(item)}</p>` +
    `<p class="mh-t" style="margin:2px 0 0 0;color:${c.text};overflow-wrap:anywhere">${escapeHtml(subjectText(item))}</p>` +
    `<p class="mh-m" style="margin:2px 0 0 0;font-size:13px;color:${c.muted}">Received ${escapeHtml(utcMinute(item.received))} · ${escapeHtml(formatBytes(item.sizeBytes))}</p>` +
    `<p class="mh-t" style="margin:2px 0 0 0;font-size:13px;color:${c.text}">${verdictHtml(item)}</p>` +
    `<p class="mh-t" style="margin:4px 0 0 0;font-size:13px;color:${c.text}"><b>Why:</b> ${escapeHtml(hintTexts(item).join('; '))}</p>` +
    buttons +
    '</td></tr>'
  );
}

function otherRow(item: JunkItem): string {
  const c = COLOURS;
  // Every listed message can be moved from the mail; a text link keeps the long list compact.
  const links = safeActions(item.actions)
    .map((a) => ` · ${link(a.url, a.label)}`)
    .join('');
  return (
    `<tr class="mh-other" data-uid="${item.uid}"><td style="padding:6px 0;border-top:1px solid ${c.rule}">` +
    `<p class="mh-t" style="margin:0;font-size:13px;color:${c.text};overflow-wrap:anywhere">${escapeHtml(subjectText(item))}</p>` +
    `<p class="mh-m" style="margin:0;font-size:12px;line-height:17px;color:${c.muted};overflow-wrap:anywhere">` +
    `${escapeHtml(senderText(item))} · ${verdictHtml(item)} · ${escapeHtml(utcMinute(item.received))} · ${escapeHtml(formatBytes(item.sizeBytes))}${links}</p>` +
    '</td></tr>'
  );
}

function sectionTitle(text: string): string {
  return `<h2 class="mh-t" style="margin:0 0 8px 0;font-size:16px;line-height:22px;font-weight:600;color:${COLOURS.text}">${escapeHtml(text)}</h2>`;
}

/** Folds the signed links into the per-item and bulk buttons the layout renders. */
function withActions(input: DigestInput): DigestInput {
  const a = input.actions;
  if (!a) return input;
  const label = `Move to ${cleanText(a.destination, 40)}`;
  const listed = input.collection.listed.map((i) => {
    const url = a.perItem.get(i.uid);
    return url ? { ...i, actions: [...(i.actions ?? []), { label, url }] } : i;
  });
  return {
    ...input,
    collection: { ...input.collection, listed },
    bulkActions: [
      ...(a.allLikely
        ? [{ label: `Move all likely legitimate (${a.allLikely.count})`, url: a.allLikely.url }]
        : []),
      ...(input.bulkActions ?? []),
    ],
  };
}

export function renderDigest(original: DigestInput): Digest {
  const input = withActions(original);
  const c = input.collection;
  const folder = mailText(c.junkFolder.path, DIGEST_CAPS.folder);
  const fetched = cleanText(input.fetchedFolder, DIGEST_CAPS.folder);
  const address = cleanText(input.mailboxAddress, 120);
  const atLeast = c.scanTruncated ? 'at least ' : '';
  const legit = c.listed.filter((i) => i.hints.length > 0).sort(byNewest);
  const others = c.listed.filter((i) => i.hints.length === 0).sort(byNewest);
  const legitTotal = Math.max(c.likelyLegitimate ?? legit.length, legit.length);
  const since = c.lastReviewAt
    ? `since the last review (${utcMinute(c.lastReviewAt)})`
    : '(no earlier review on record)';
  // A mail header: one line, no control characters (escape.ts headerSafe); the folder name is mail-server data.
  const subject = headerSafe(
    `Weekly Junk review: ${address} - ` +
      (legitTotal > 0 ? `${plural(legitTotal, 'likely legitimate mail')}, ` : '') +
      `${atLeast}${formatCount(c.newSinceReview)} new, ${formatCount(c.junkCount)} in ${folder}`,
    300,
  );
  const scanned = c.hintsScanned ?? c.listed.length;
  const lead = [
    `${plural(c.junkCount, 'mail')} in ${folder}; ${atLeast}${formatCount(c.newSinceReview)} new ${since}.`,
    legitTotal > 0
      ? `${plural(legitTotal, 'mail')} ${legitTotal === 1 ? 'looks' : 'look'} like real customer mail: check ${legitTotal === 1 ? 'it' : 'them'} first.`
      : scanned > 0
        ? 'None of them looks like real customer mail.'
        : 'Nothing to review.',
  ];
  const scope = `Hints were checked on the headers of ${plural(scanned, 'mail')} (every mail ${c.lastReviewAt ? 'since the last review' : 'in the folder'}${c.scanTruncated ? ', up to the scan limit' : ''}).`;
  const instruction = `Move real customer mails to "${fetched}", the folder ESM fetches from.`;
  const note =
    'Hints are heuristics. A sender seen before counts only when the mail passed DMARC; mail Microsoft judged ' +
    'phishing, malware or spoofed is never marked likely legitimate. Nothing was moved or marked read.';
  const legitMore = legitTotal > legit.length ? ` (showing ${formatCount(legit.length)})` : '';
  const othersTitle = `Other messages (newest ${formatCount(others.length)})`;
  const releases = input.releases ?? [];
  const releasesTitle = `Moved from ${folder} to ${fetched} through this mail's buttons since the last review`;
  const releaseLine = (r: ReleaseView) =>
    `${utcMinute(r.at)} · ${addressText(r.from, DIGEST_CAPS.senderAddress) || '(no sender)'} · ` +
    `${mailText(r.subject, DIGEST_CAPS.subject) || '(no subject)'}${r.user ? ` · by ${cleanText(r.user, 120)}` : ''}`;

  const text = [
    subject,
    '',
    ...lead,
    scope,
    '',
    `From the setup guide: "${SEED_INSTRUCTION}"`,
    instruction,
    '',
    ...(legit.length
      ? [
          `LIKELY LEGITIMATE (${formatCount(legitTotal)})${legitMore}:`,
          ...safeActions(input.bulkActions).map((a) => `  ${a.label}: ${a.url}`),
          ...legit.flatMap((i) => [
            `- ${senderText(i)}`,
            `  ${subjectText(i)}`,
            `  Received ${utcMinute(i.received)} · ${formatBytes(i.sizeBytes)}`,
            `  ${verdictText(i)}`,
            `  Why: ${hintTexts(i).join('; ')}`,
            ...safeActions(i.actions).map((a) => `  ${a.label}: ${a.url}`),
          ]),
          '',
        ]
      : []),
    ...(others.length
      ? [
          `${othersTitle}:`,
          ...others.flatMap((i) => [
            `- ${subjectText(i)} | ${senderText(i)} | ${verdictText(i)} | ${utcMinute(i.received)} | ${formatBytes(i.sizeBytes)}`,
            ...safeActions(i.actions).map((a) => `  ${a.label}: ${a.url}`),
          ]),
          '',
        ]
      : []),
    ...(releases.length ? [`${releasesTitle}:`, ...releases.map((r) => `- ${releaseLine(r)}`), ''] : []),
    'Junk arrivals per week (ISO weeks, UTC):',
    ...chartText(c.weekly),
    '',
    note,
    '',
  ].join('\n');

  const panel =
    `<div class="mh-soft" style="background:${COLOURS.soft};padding:12px;margin:8px 0 0 0;border-left:4px solid ${COLOURS.link}">` +
    `<p class="mh-t" style="margin:0 0 6px 0;color:${COLOURS.text}"><b>From the setup guide:</b> <i>“${escapeHtml(SEED_INSTRUCTION)}”</i></p>` +
    `<p class="mh-t" style="margin:0;color:${COLOURS.text}"><b>${escapeHtml(instruction)}</b></p></div>`;
  const rows = [
    cardRow(
      heading(`Junk review for ${address}`) +
        lead
          .map((l, i) => paragraph(i === 1 && legitTotal > 0 ? `<b>${escapeHtml(l)}</b>` : escapeHtml(l)))
          .join('') +
        paragraph(escapeHtml(scope), true) +
        panel,
    ),
  ];
  if (legit.length)
    rows.push(
      cardRow(
        sectionTitle(`Likely legitimate (${formatCount(legitTotal)})${legitMore}`) +
          safeActions(input.bulkActions)
            .map((a) => button(a.url, a.label))
            .join('') +
          `<table role="presentation" class="mh-list" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin-top:8px">${legit.map(legitRow).join('')}</table>`,
        '20px 20px 0 20px',
      ),
    );
  rows.push(
    cardRow(
      sectionTitle(others.length ? othersTitle : 'Other messages') +
        (others.length
          ? `<table role="presentation" class="mh-list" width="100%" cellpadding="0" cellspacing="0" border="0">${others.map(otherRow).join('')}</table>`
          : paragraph('Nothing else to review.')),
      '20px 20px 0 20px',
    ),
    cardRow(
      sectionTitle('Junk arrivals per week (ISO weeks, UTC)') + chartHtml(c.weekly),
      '20px 20px 16px 20px',
    ),
  );
  const html = page({
    title: subject,
    preheader: lead.join(' '),
    bandColour: COLOURS.link,
    band: `Weekly Junk review · ${folder}`,
    rows,
    footer: escapeHtml(note),
  });
  return { subject, text, html };
}
