/**
 * Making mail data safe to show in the digest. Every subject, sender and folder name from a mailbox goes through
 * `mailText` (plain text, one line, length-capped, links defeated) and, for HTML, `escapeHtmlText`.
 *
 * Auto-linking: mail clients (Outlook, Gmail, OWA) turn URL-looking TEXT into links even without an <a>. We insert a
 * ZERO WIDTH SPACE (U+200B) after "://", before ":" of a URL scheme (`javascript:`, `data:` …), after "www" and after
 * every "." or "@" that sits between word characters (so `evil.example` and `a@evil.example` are no longer domains
 * or addresses to a linkifier). Chosen over <span> breaks because it works the same in the text/plain part, in the
 * HTML part and in clients that drop spans; it is invisible, and the digest never needs a clickable mail value.
 */

const ZWSP = '\u200b';

/**
 * C0/C1 controls and DEL; bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks
 * (U+200E/F, U+061C) that could reorder what the reviewer reads; line/paragraph separators; BOM. All become a space.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/g;

const SCHEME = /\b(https?|ftp|file|javascript|vbscript|data|mailto|tel|ms-[a-z-]+|about|blob)\s*:/gi;

/** Breaks URL-looking and address-looking text so no client turns it into a link. */
export function defeatAutolink(s: string): string {
  return s
    .replace(SCHEME, (_m, scheme: string) => `${scheme}${ZWSP}:`)
    .replace(/:\/\//g, `:/${ZWSP}/`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
    .replace(/([\p{L}\p{N}_-])([.@])(?=[\p{L}\p{N}_-])/gu, `$1$2${ZWSP}`);
}

/** Caps by code points (never splits a surrogate pair), marking the cut with an ellipsis. */
export function capLength(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length > max ? chars.slice(0, Math.max(0, max - 1)).join('') + '…' : s;
}

/** Trusted text (our config) as one line: unsafe characters neutralised and capped, links left alone. */
export function plainText(value: unknown, max: number): string {
  if (typeof value !== 'string') return '';
  return capLength(value.normalize('NFC').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim(), max);
}

/** Mail data as one line of plain text: unsafe characters neutralised, whitespace collapsed, capped, unlinkable. */
export function mailText(value: unknown, max: number): string {
  if (typeof value !== 'string') return '';
  // Cap first (the ZWSPs must not push a capped string over the limit, nor be counted as content), then break links.
  return defeatAutolink(plainText(value, max));
}

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtmlText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Mail data ready for HTML: `mailText` then escaped. */
export function mailHtml(value: unknown, max: number): string {
  return escapeHtmlText(mailText(value, max));
}
