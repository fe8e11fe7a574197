/**
 * All escaping lives here (docs/architecture.md, `report/`): everything that came from a mailbox — subjects, senders, folder
 * names, server replies — is hostile. These helpers are the only way such text reaches HTML, Markdown (Teams),
 * Slack-style JSON, mail headers or Nagios output. Renderers elsewhere reuse them (the spam digest, the CLI).
 */

// C0/C1 controls except tab/newline handling done by callers, plus DEL.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const LINE_BREAKS = /[\r\n\t\u2028\u2029\u0085]+/g;
/**
 * Bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069) reorder what a reader sees ("Trojan source"
 * style: `exe.pdf` shown as `fdp.exe`); LRM/RLM/ALM and zero-width characters hide text inside text.
 */
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u061C\uFEFF]/g;

export const ELLIPSIS = '…';

/** HTML-escapes for element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * One line of plain text from untrusted input: line breaks become spaces, control characters and bidi/invisible
 * characters are removed, whitespace collapsed, and the result capped at `max` characters (code points) with "…".
 */
export function cleanText(s: unknown, max = 200): string {
  const text = String(s ?? '')
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROL, '')
    .replace(INVISIBLE, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
  const chars = [...text]; // code points, so a surrogate pair is never cut in half
  return chars.length <= max
    ? text
    : chars
        .slice(0, Math.max(0, max - 1))
        .join('')
        .trimEnd() + ELLIPSIS;
}

/** Nagios plugin output: `|` starts performance data and a newline starts long output, so both go. */
export function nagiosSafe(s: unknown, max = 300): string {
  return cleanText(String(s ?? '').replace(/\|/g, '/'), max);
}

/**
 * Keeps a URL in untrusted text from becoming a link in mail clients and chat apps that auto-link
 * (`https://x` → `https[:]//x`, `www.x` → `www[.]x`): the admin can still read it, nobody clicks it by accident.
 */
export function defang(s: string): string {
  return s
    .replace(/([a-z][a-z0-9+.-]*):\/\//gi, '$1[:]//')
    .replace(/\bwww\./gi, 'www[.]')
    .replace(/\bmailto:/gi, 'mailto[:]');
}

/** cleanText + defang: the form every mailbox-derived string takes before any renderer sees it. */
export function untrusted(s: unknown, max = 200): string {
  return defang(cleanText(s, max));
}

/** Markdown (Teams Adaptive Card TextBlock/FactSet): backslash-escape everything that could format or link. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/** Slack-style mrkdwn text: Slack's documented rule is to escape only &, < and > (which also prevents `<url|x>`). */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mail header value (Subject): one line, no controls, capped; nodemailer encodes non-ASCII itself. */
export function headerSafe(s: unknown, max = 180): string {
  return cleanText(s, max);
}
