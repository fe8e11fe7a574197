/**
 * Mail data shown in the digest, on top of escape.ts: every subject, sender and folder name from a mailbox passes
 * `cleanText` (one line, control/bidi/invisible characters removed, capped) and, for HTML, `escapeHtml`.
 *
 * Addresses stay exactly as they are, so an admin can copy one into Outlook's search or an allow list: no
 * zero-width characters are inserted (those travel along with a copy and make the pasted address silently wrong).
 * A mail client may turn an address into a `mailto:` link, which sends nothing by itself. Subjects and display names
 * are free text that can carry URLs: those are defanged (`https[:]//`, `www[.]`), readable but not a link.
 */
import { cleanText, defang, escapeHtml } from '../report/escape.js';

/** A sender address: cleaned and capped, otherwise unchanged (copyable). */
export function addressText(value: unknown, max: number): string {
  return cleanText(typeof value === 'string' ? value : '', max);
}

/** Free text from a mail (subject, display name, folder): cleaned, capped, URLs defanged. */
export function mailText(value: unknown, max: number): string {
  return defang(cleanText(typeof value === 'string' ? value : '', max));
}

/** `mailText` escaped for HTML element content. */
export function mailHtml(value: unknown, max: number): string {
  return escapeHtml(mailText(value, max));
}
