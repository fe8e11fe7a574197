/**
 * The HTML frame every mail of the monitor shares (alert, resolve notice, weekly Junk review), built the way mail
 * clients render reliably: nested tables, inline styles, `bgcolor`/`width` attributes for Outlook's Word engine,
 * a 600 px column that shrinks on phones (`width:100%;max-width:600px`), `<meta charset="utf-8">`.
 *
 * Colours: every text colour sits on an explicit background and meets WCAG AA (≥ 4.5:1) in light mode; clients that
 * honour `prefers-color-scheme` (Apple Mail, Outlook for Mac and iOS) get a dark palette from the classes below,
 * also ≥ 4.5:1; clients that invert colours themselves (Outlook.com, Gmail apps) invert explicit backgrounds and
 * text together. No images, no web fonts, no scripts: the only links are the app's own buttons and docs links.
 */
import type { Status } from '../contracts.js';
import { escapeHtml } from './escape.js';

export const FONT = "'Segoe UI',Helvetica,Arial,sans-serif";

/** Light palette; the ratios against white are in the comments (WCAG 2.1 relative luminance). */
export const COLOURS = {
  page: '#f3f2f1',
  card: '#ffffff',
  text: '#1f1f1f', // 16.5:1
  muted: '#595959', // 7.0:1 (6.3:1 on the page colour)
  rule: '#d2d0ce',
  link: '#0b5cad', // 6.7:1
  soft: '#eef4fb', // panel; link 6.0:1, text 15:1 on it
  highlight: '#fff8e6', // likely-legitimate rows; text 15.6:1, warn 6.0:1
} as const;

/** Status colours: text on white and white text on them are both ≥ 5.3:1. */
export const STATUS_COLOUR: Record<Status, string> = {
  CRIT: '#a4262c', // 7.3:1
  UNKNOWN: '#605e5c', // 6.5:1
  WARN: '#8a5300', // 6.3:1 (amber dark enough for text; #c19c00 was 2.6:1)
  OK: '#107c10', // 5.4:1
};

export const STATUS_WORD: Record<Status, string> = {
  CRIT: 'Critical',
  UNKNOWN: 'Unknown',
  WARN: 'Warning',
  OK: 'Resolved',
};

/** Dark palette for clients that honour prefers-color-scheme; each pair ≥ 4.5:1. */
const DARK_CSS = [
  '.mh-page{background:#1b1a19 !important}',
  '.mh-card{background:#252423 !important}',
  '.mh-t{color:#f3f2f1 !important}',
  '.mh-m{color:#c8c6c4 !important}',
  '.mh-a{color:#6cb8ff !important}',
  '.mh-soft{background:#1f2d3d !important}',
  '.mh-hl{background:#3a2f12 !important}',
  '.mh-s-CRIT{color:#ff9aa2 !important}',
  '.mh-s-WARN{color:#f5c26b !important}',
  '.mh-s-OK{color:#8fd18f !important}',
  '.mh-s-UNKNOWN{color:#d2d0ce !important}',
].join('');

/** Phones: label/value pairs stack, padding shrinks (clients without media queries keep the 600 px layout). */
const NARROW_CSS = [
  '.mh-k,.mh-v{display:block !important;width:auto !important;padding:0 !important}',
  '.mh-k{padding-top:8px !important}',
  '.mh-pad{padding-left:12px !important;padding-right:12px !important}',
].join('');

export interface PageParts {
  title: string;
  /** Shown by mail clients in the message list, hidden in the body. */
  preheader: string;
  /** Colour of the band at the top (white text on it must reach 4.5:1). */
  bandColour: string;
  /** Text of the band, e.g. "Critical · servicedesk@contoso.com". */
  band: string;
  /** Inner rows (`<tr>…</tr>`) of the 600 px card, already escaped. */
  rows: string[];
  footer: string;
}

export function page(p: PageParts): string {
  const c = COLOURS;
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">' +
    `<title>${escapeHtml(p.title)}</title>` +
    `<style>:root{color-scheme:light dark}@media (prefers-color-scheme: dark){${DARK_CSS}}` +
    `@media (max-width: 480px){${NARROW_CSS}}</style></head>` +
    `<body class="mh-page" style="margin:0;padding:0;background:${c.page}" bgcolor="${c.page}">` +
    `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all" aria-hidden="true">${escapeHtml(p.preheader)}</div>` +
    `<table role="presentation" class="mh-page" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="${c.page}" style="background:${c.page}">` +
    '<tr><td align="center" style="padding:16px 8px">' +
    `<table role="presentation" class="mh-card" width="600" cellpadding="0" cellspacing="0" border="0" bgcolor="${c.card}" ` +
    `style="width:100%;max-width:600px;background:${c.card};font-family:${FONT};font-size:14px;line-height:20px;color:${c.text}">` +
    `<tr><td class="mh-pad" bgcolor="${p.bandColour}" style="background:${p.bandColour};padding:10px 20px;` +
    `font-size:13px;font-weight:600;color:#ffffff;overflow-wrap:anywhere">${escapeHtml(p.band)}</td></tr>` +
    p.rows.join('') +
    `<tr><td class="mh-m mh-pad" style="padding:16px 20px 20px 20px;border-top:1px solid ${c.rule};font-size:12px;line-height:18px;color:${c.muted}">` +
    `${p.footer}</td></tr>` +
    '</table></td></tr></table></body></html>'
  );
}

/** A row of the card with padding; `html` is already escaped. */
export function cardRow(html: string, padding = '16px 20px 0 20px'): string {
  return `<tr><td class="mh-pad" style="padding:${padding}">${html}</td></tr>`;
}

export function heading(text: string, size = 20): string {
  return (
    `<h1 class="mh-t" style="margin:0 0 8px 0;font-size:${size}px;line-height:${size + 6}px;font-weight:600;` +
    `color:${COLOURS.text};overflow-wrap:anywhere">${escapeHtml(text)}</h1>`
  );
}

/** A label/value row (`<tr>`) that stacks on phones; `valueHtml` is already escaped. */
export function fieldRow(label: string, valueHtml: string): string {
  return (
    '<tr>' +
    `<td class="mh-k mh-m" valign="top" width="120" style="padding:3px 12px 3px 0;font-size:13px;line-height:18px;color:${COLOURS.muted};width:120px">${escapeHtml(label)}</td>` +
    `<td class="mh-v mh-t" valign="top" style="padding:3px 0;font-size:14px;color:${COLOURS.text};overflow-wrap:anywhere">${valueHtml}</td>` +
    '</tr>'
  );
}

export function paragraph(html: string, muted = false): string {
  const colour = muted ? COLOURS.muted : COLOURS.text;
  return `<p class="${muted ? 'mh-m' : 'mh-t'}" style="margin:0 0 8px 0;color:${colour};overflow-wrap:anywhere">${html}</p>`;
}

/** "Critical · New": the status word in its colour (bold) and the change in muted text. */
export function statusLabel(status: Status, extra?: string): string {
  return (
    `<span class="mh-s-${status}" style="color:${STATUS_COLOUR[status]};font-weight:700">${escapeHtml(STATUS_WORD[status])}</span>` +
    (extra ? `<span class="mh-m" style="color:${COLOURS.muted}"> · ${escapeHtml(extra)}</span>` : '')
  );
}

/** A link the app made itself (docs, action pages); never a value from a mailbox. */
export function link(url: string, text: string): string {
  return (
    `<a class="mh-a" href="${escapeHtml(url)}" rel="noopener noreferrer" ` +
    `style="color:${COLOURS.link};text-decoration:underline">${escapeHtml(text)}</a>`
  );
}

/**
 * A "bulletproof" button: a table cell with a background colour holding a padded link, so Outlook (which ignores
 * padding on links) still shows a button-sized target.
 */
export function button(url: string, label: string): string {
  return (
    '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 8px 0 0;display:inline-table">' +
    `<tr><td bgcolor="${COLOURS.link}" style="background:${COLOURS.link};border-radius:4px">` +
    `<a href="${escapeHtml(url)}" rel="noopener noreferrer" style="display:inline-block;padding:9px 16px;` +
    `font-family:${FONT};font-size:14px;font-weight:600;line-height:20px;color:#ffffff;text-decoration:none;border-radius:4px">` +
    `${escapeHtml(label)}</a></td></tr></table>`
  );
}
