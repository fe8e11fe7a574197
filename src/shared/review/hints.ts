/** The "likely legitimate" hints of a Junk message (pure functions over already-decoded envelope data). */
import type { UserPattern } from '../config/user-pattern.js';
import { isDangerous, senderAuthenticated, type MicrosoftVerdict } from './microsoft-verdict.js';
import type { LegitHint } from './types.js';

/**
 * Reply prefixes in the languages service desks meet: Re (en, most), AW (de), SV (sv, da, no), VS (fi), Antw/Antwort
 * (nl, de), Odp (pl), RIF/R (it), Ref, Vá (hu), ATB (lv), Ynt (tr), ΑΠ/ΣΧΕΤ (el), 回复/答复/回覆 (zh), 返信 (ja).
 * Optionally after list tags like `[EXT]` and with a counter like `Re[2]:`.
 */
const REPLY =
  /^\s*(?:\[[^\]]{0,40}\]\s*)*(?:re|aw|sv|vs|antw|antwort|odp|rif|r|ref|vá|atb|ynt|απ|σχετ|回复|答复|回覆|返信)\s*(?:\[\d{1,3}\]|\(\d{1,3}\))?\s*[:：]/iu;

export function isReplySubject(subject: string): boolean {
  return REPLY.test(subject);
}

export function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return undefined;
  return address
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '');
}

export interface KnownCorrespondents {
  addresses: ReadonlySet<string>;
  domains: ReadonlySet<string>;
}

/**
 * The hints of one Junk message. Microsoft's verdict (microsoft-verdict.ts, from the message's own topmost
 * anti-spam headers) decides first: phishing, malware and spoof verdicts earn no hint at all, and a sender or
 * domain "seen before" counts only when the message itself passed DMARC or composite authentication — otherwise
 * one mail from a forger's address in the Inbox would vouch for everything the forger sends.
 */
export function hintsFor(
  sender: string,
  subject: string,
  known: KnownCorrespondents,
  ticketPattern: Pick<UserPattern, 'find'>,
  verdict?: MicrosoftVerdict,
): { hints: LegitHint[]; ticket?: string } {
  if (isDangerous(verdict)) return { hints: [] };
  const hints: LegitHint[] = [];
  const address = sender.trim().toLowerCase();
  const domain = domainOf(address);
  if (senderAuthenticated(verdict)) {
    if (address && known.addresses.has(address)) hints.push('known-sender');
    else if (domain && known.domains.has(domain)) hints.push('known-domain');
  }
  if (isReplySubject(subject)) hints.push('reply-subject');
  // A user-written pattern over a hostile subject: linear time, capped input (config/user-pattern.ts).
  const ticket = ticketPattern.find(subject);
  if (ticket !== undefined) hints.push('ticket-number');
  return ticket !== undefined ? { hints, ticket } : { hints };
}
