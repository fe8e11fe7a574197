/**
 * The small pieces of IMAP syntax the scripted server needs: argument splitting, sequence sets, SEARCH criteria
 * (ALL, LARGER, SINCE, UNSEEN, SEEN, UID, a sequence set — what the checks send), INTERNALDATE and ENVELOPE rendering.
 */
import type { ScriptedMessage } from './scripted-imap.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Splits command arguments: atoms and quoted strings (with \" and \\ escapes). */
export function commandArgs(rest: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

/** A predicate for an IMAP sequence set (`1:*`, `3,5:7`); `*` is `max`. */
export function sequenceSet(set: string, max: number): (n: number) => boolean {
  const ranges = set.split(',').map((part) => {
    const [a, b = a] = part.split(':');
    const num = (s: string | undefined) => (s === '*' ? max : Number(s));
    const lo = Math.min(num(a), num(b));
    const hi = Math.max(num(a), num(b));
    return [lo, hi] as const;
  });
  return (n) => ranges.some(([lo, hi]) => n >= lo && n <= hi);
}

/** INTERNALDATE: `27-Nov-2026 14:05:09 +0000`. */
export function imapDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  );
}

function parseSearchDate(s: string): Date {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(s);
  if (!m) return new Date(NaN);
  const month = MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase());
  return new Date(Date.UTC(Number(m[3]), month, Number(m[1])));
}

/**
 * Evaluates the AND of the criteria the checks use; unknown criteria match nothing (be loud in tests). `maxUid` is
 * the folder's highest UID, what `*` stands for in a `UID` criterion (RFC 3501 §6.4.4, §9 seq-number); `seq` and
 * `exists` are the message's sequence number and the folder's count, for a bare sequence-set criterion.
 */
export function searchMatches(
  criteria: string,
  msg: ScriptedMessage,
  maxUid = msg.uid,
  seq = 0,
  exists = 0,
): boolean {
  const args = commandArgs(criteria);
  for (let i = 0; i < args.length; i++) {
    const key = args[i]!.toUpperCase();
    const size = msg.size ?? Buffer.byteLength(msg.raw, 'latin1');
    const seen = msg.flags?.includes('\\Seen') ?? false;
    if (key === 'ALL') continue;
    if (/^[\d*][\d*:,]*$/.test(key) && sequenceSet(key, exists)(seq)) continue;
    if (key === 'UNSEEN' && !seen) continue;
    if (key === 'SEEN' && seen) continue;
    if (key === 'LARGER' && size > Number(args[++i])) continue;
    if (key === 'SMALLER' && size < Number(args[++i])) continue;
    if (key === 'UID' && sequenceSet(args[++i] ?? '', maxUid)(msg.uid)) continue;
    if (key === 'SINCE') {
      const day = parseSearchDate(args[++i] ?? '');
      const msgDay = Date.UTC(
        msg.internalDate.getUTCFullYear(),
        msg.internalDate.getUTCMonth(),
        msg.internalDate.getUTCDate(),
      );
      if (msgDay >= day.getTime()) continue;
    }
    return false;
  }
  return true;
}

function quoted(s: string | undefined): string {
  if (s === undefined) return 'NIL';
  if (/[\r\n\u0080-\uffff]/.test(s)) return `{${Buffer.byteLength(s, 'latin1')}}\r\n${s}`;
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m ? m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : undefined;
}

function address(value: string | undefined): string {
  if (!value) return 'NIL';
  const m =
    /^\s*(?:"?([^"<]*?)"?\s*)?<([^@>]+)@([^>]+)>\s*$/.exec(value) ?? /^()([^@\s]+)@(\S+)$/.exec(value);
  if (!m) return 'NIL';
  const name = m[1] ? quoted(m[1]) : 'NIL';
  return `((${name} NIL ${quoted(m[2])} ${quoted(m[3])}))`;
}

/** ENVELOPE (date subject from sender reply-to to cc bcc in-reply-to message-id) from the raw headers. */
export function envelopeOf(raw: string, internalDate: Date): string {
  const from = address(header(raw, 'From'));
  return (
    `(${quoted(header(raw, 'Date') ?? internalDate.toUTCString())} ${quoted(header(raw, 'Subject'))} ` +
    `${from} ${from} ${from} ${address(header(raw, 'To'))} NIL NIL NIL ${quoted(header(raw, 'Message-ID'))})`
  );
}
