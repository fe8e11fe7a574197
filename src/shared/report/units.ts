/**
 * Numbers as an admin reads them: sizes in MB, ages in "3 h 5 min", counts with thousands separators, times in UTC
 * to the minute. Every renderer (mail, card, CLI) formats through these, so no raw byte count or second count ever
 * reaches a reader.
 */

const KIB = 1024;
const MIB = 1024 * 1024;

/** `12 B`, `740 KB`, `28.6 MB` (binary units, as Exchange and Outlook count message sizes). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'unknown size';
  if (bytes < KIB) return `${Math.round(bytes)} B`;
  if (bytes < MIB) return `${Math.round(bytes / KIB)} KB`;
  const mb = bytes / MIB;
  return `${mb >= 100 || Number.isInteger(mb) ? Math.round(mb) : mb.toFixed(1)} MB`;
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`: the two largest units, never a raw second count. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/**
 * `8,500` — an English thousands separator, so no long digit run is mistaken for a raw counter. Grouped by hand:
 * the first `toLocaleString('en-US')` of a process loads ICU's number formatting, about 10 ms of every CLI run
 * and of every check instance's cold start (docs/performance.md), for a comma.
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const r = Math.round(n);
  const digits = String(Math.abs(r));
  // Past 1e21 String() writes an exponent, which has no groups.
  const grouped = /^\d+$/.test(digits) ? digits.replace(/\B(?=(\d{3})+$)/g, ',') : digits;
  return r < 0 ? `-${grouped}` : grouped;
}

/** `1 mail`, `3 mails`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** `85 %` (the SI style the rest of the project uses). */
export function formatPercent(p: number): string {
  return `${Number.isFinite(p) ? Math.round(p) : '?'} %`;
}

/** `2026-11-27 09:30 UTC`, or `unknown` for a missing or bad date. */
export function utcMinute(iso: string | Date | undefined): string {
  if (iso === undefined) return 'unknown';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return Number.isNaN(d.getTime()) ? 'unknown' : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
