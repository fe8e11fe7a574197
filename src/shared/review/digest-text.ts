/**
 * Making mail data safe to show in the digest, on top of the shared helpers in escape.ts: every subject, sender and
 * folder name from a mailbox goes through `mailText` (escape.ts `cleanText`: one line, control/bidi/invisible
 * characters removed, capped — then links defeated) and, for HTML, `escapeHtml`.
 *
 * Auto-linking: mail clients (Outlook, Gmail, OWA) turn URL-looking TEXT into links even without an <a>. The digest
 * inserts a ZERO WIDTH SPACE (U+200B) after "://", before ":" of a URL scheme (`javascript:`, `data:` …), after
 * "www" and after every "." or "@" between word characters, so neither `http://evil.example` nor a bare
 * `evil.example` or `a@evil.example` is a URL, domain or address to a linkifier. Chosen over escape.ts `defang`
 * (`https[:]//`), which leaves bare domains linkable, and over <span> breaks, which the text/plain part cannot use
 * and some clients drop; ZWSP is invisible and reads naturally. The digest never needs a clickable mail value.
 */
import { cleanText, escapeHtml } from '../report/escape.js';

const ZWSP = '\u200b';
const SCHEME = /\b(https?|ftp|file|javascript|vbscript|data|mailto|tel|ms-[a-z-]+|about|blob)\s*:/gi;

/** Breaks URL-looking and address-looking text so no client turns it into a link. */
export function defeatAutolink(s: string): string {
  return s
    .replace(SCHEME, (_m, scheme: string) => `${scheme}${ZWSP}:`)
    .replace(/:\/\//g, `:/${ZWSP}/`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
    .replace(/([\p{L}\p{N}_-])([.@])(?=[\p{L}\p{N}_-])/gu, `$1$2${ZWSP}`);
}

/**
 * Mail data as one line of plain text: cleaned and capped first (the inserted ZWSPs are not content and must not
 * count against the cap), then made unlinkable.
 */
export function mailText(value: unknown, max: number): string {
  return defeatAutolink(cleanText(typeof value === 'string' ? value : '', max));
}

/** Mail data ready for HTML element content: `mailText` then escaped. */
export function mailHtml(value: unknown, max: number): string {
  return escapeHtml(mailText(value, max));
}
