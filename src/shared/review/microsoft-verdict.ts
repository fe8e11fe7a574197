/**
 * Microsoft's own verdict on a Junk message, read from the anti-spam headers Exchange Online stamps on delivery.
 * Source for every field and value below: Microsoft Learn, "Anti-spam message headers in Microsoft 365"
 * (https://learn.microsoft.com/defender-office-365/message-headers-eop-mdo).
 *
 * | header                        | field      | values understood here                                             |
 * |-------------------------------|------------|--------------------------------------------------------------------|
 * | `X-Forefront-Antispam-Report` | `CAT:`     | MALW, AMP, FTBP (malware); HPHSH, HPHISH (high-confidence phishing);|
 * |                               |            | PHSH, INTOS (phishing); BIMP, DIMP, GIMP, UIMP (impersonation);     |
 * |                               |            | SPOOF (spoofing); HSPM (high-confidence spam); SPM (spam); BULK    |
 * |                               | `SFV:`     | SPM (spam filtering said spam), BLK (the recipient's blocked        |
 * |                               |            | senders), SKB (the policy's blocked senders/domains), SKS (marked   |
 * |                               |            | spam before filtering, e.g. a mail flow rule), NSPM (not spam);     |
 * |                               |            | SFE/SKA/SKN/SKI/SKQ (filtering skipped) are kept but add no words   |
 * |                               | `SCL:`     | -1 … 9, the spam confidence level                                   |
 * |                               | `SRV:`     | BULK (bulk mail)                                                    |
 * | `X-Microsoft-Antispam`        | `BCL:`     | 0 … 9, the bulk complaint level                                     |
 * | `Authentication-Results`      | `spf=`     | pass, fail, softfail, neutral, none, temperror, permerror           |
 * |                               | `dkim=`    | pass, fail, none                                                    |
 * |                               | `dmarc=`   | pass, bestguesspass, fail, none, temperror, permerror               |
 * |                               | `compauth=`| pass, fail, softpass, none, with `reason=NNN`                       |
 *
 * Only the topmost instance of each header counts: Exchange adds its own above everything already in the message,
 * while a sender can write headers of the same names lower down before sending (RFC 5322 §3.6 lets trace-like
 * fields be prepended, and nothing stops a sender from writing any field). Header values are hostile input: the
 * block is capped, each value is capped, parsing is linear and never throws; what is not understood is ignored.
 */

/** The header fields the review fetches (`BODY.PEEK[HEADER.FIELDS (…)]`). */
export const ANTISPAM_HEADER_FIELDS = [
  'Authentication-Results',
  'X-Forefront-Antispam-Report',
  'X-Microsoft-Antispam',
] as const;

/** Most octets of a fetched header block that are read: the topmost instances come first, so they fit. */
export const MAX_HEADER_BLOCK = 32_768;
/** Most characters of one unfolded header value that are parsed. */
export const MAX_HEADER_VALUE = 4096;

export type AuthOutcome =
  | 'pass'
  | 'bestguesspass'
  | 'softpass'
  | 'fail'
  | 'softfail'
  | 'neutral'
  | 'none'
  | 'temperror'
  | 'permerror';
const AUTH_OUTCOMES: ReadonlySet<string> = new Set<AuthOutcome>([
  'pass',
  'bestguesspass',
  'softpass',
  'fail',
  'softfail',
  'neutral',
  'none',
  'temperror',
  'permerror',
]);
const AUTH_METHODS = ['spf', 'dkim', 'dmarc', 'compauth'] as const;
type AuthMethod = (typeof AUTH_METHODS)[number];

/** What Microsoft decided, most serious first (the order `VERDICT_KINDS` keeps). */
export type VerdictKind =
  | 'malware'
  | 'high-confidence-phishing'
  | 'phishing'
  | 'impersonation'
  | 'spoof'
  | 'high-confidence-spam'
  | 'spam'
  | 'bulk'
  | 'blocked-sender'
  | 'marked-by-rule'
  | 'not-spam'
  | 'none';

/** CAT values → kind (Microsoft Learn, `CAT:` in X-Forefront-Antispam-Report). */
const CAT_KIND: Record<string, VerdictKind> = {
  MALW: 'malware',
  AMP: 'malware',
  FTBP: 'malware',
  HPHSH: 'high-confidence-phishing',
  HPHISH: 'high-confidence-phishing',
  PHSH: 'phishing',
  INTOS: 'phishing',
  BIMP: 'impersonation',
  DIMP: 'impersonation',
  GIMP: 'impersonation',
  UIMP: 'impersonation',
  SPOOF: 'spoof',
  HSPM: 'high-confidence-spam',
  SPM: 'spam',
  BULK: 'bulk',
};

/** SFV values → kind when CAT names none (Microsoft Learn, `SFV:`). */
const SFV_KIND: Record<string, VerdictKind> = {
  SPM: 'spam',
  BLK: 'blocked-sender',
  SKB: 'blocked-sender',
  SKS: 'marked-by-rule',
  NSPM: 'not-spam',
};

/** Kinds that are never "likely legitimate", whatever hint a sender earned. */
const DANGEROUS: ReadonlySet<VerdictKind> = new Set([
  'malware',
  'high-confidence-phishing',
  'phishing',
  'impersonation',
  'spoof',
]);

export interface MicrosoftVerdict {
  kind: VerdictKind;
  /** `CAT:` as written (upper case, ≤ 16 characters). */
  cat?: string;
  sfv?: string;
  scl?: number;
  bcl?: number;
  spf?: AuthOutcome;
  dkim?: AuthOutcome;
  dmarc?: AuthOutcome;
  compauth?: AuthOutcome;
  /** compauth's `reason=` code (three digits). */
  compauthReason?: string;
}

/** The first (topmost) instance of each header field in a fetched header block, unfolded; names lower-cased. */
export function topmostHeaders(block: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const text = Buffer.isBuffer(block)
    ? block.subarray(0, MAX_HEADER_BLOCK).toString('latin1')
    : typeof block === 'string'
      ? block.slice(0, MAX_HEADER_BLOCK)
      : '';
  let name: string | undefined;
  let value = '';
  const flush = () => {
    if (name !== undefined && !out.has(name)) out.set(name, value.slice(0, MAX_HEADER_VALUE).trim());
    name = undefined;
    value = '';
  };
  for (const line of text.split(/\r?\n/)) {
    if (line === '') {
      flush();
      continue;
    }
    // RFC 5322 §2.2.3: a line starting with white space continues the field above it.
    if (line[0] === ' ' || line[0] === '\t') {
      if (name !== undefined && value.length < MAX_HEADER_VALUE) value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    // RFC 5322 §3.6.8: a field name is printable US-ASCII except colon; anything else is not a field.
    if (colon < 1 || colon > 76 || !/^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon))) continue;
    name = line.slice(0, colon).toLowerCase();
    value = line.slice(colon + 1, colon + 1 + MAX_HEADER_VALUE);
  }
  flush();
  return out;
}

/** Removes `( … )` comments (RFC 5322 §3.2.2, nested, with `\` quoting) in one pass. */
function withoutComments(value: string): string {
  let depth = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (depth > 0 && ch === '\\') {
      i++;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

/**
 * `Authentication-Results`: Exchange writes `spf=pass (…) smtp.mailfrom=…; dkim=…; dmarc=pass action=none
 * header.from=…;compauth=pass reason=100`, without the authserv-id RFC 8601 puts first; both forms are read.
 * The first result of each method counts.
 */
export function parseAuthenticationResults(
  value: string,
): Partial<Pick<MicrosoftVerdict, AuthMethod | 'compauthReason'>> {
  const out: Partial<Pick<MicrosoftVerdict, AuthMethod | 'compauthReason'>> = {};
  for (const part of withoutComments(value.slice(0, MAX_HEADER_VALUE)).split(';')) {
    const m = /^\s*([a-z]{3,8})\s*=\s*([a-z]{1,16})\b/i.exec(part);
    if (!m) continue;
    const method = m[1]!.toLowerCase() as AuthMethod;
    const outcome = m[2]!.toLowerCase();
    if (!(AUTH_METHODS as readonly string[]).includes(method) || out[method] !== undefined) continue;
    if (!AUTH_OUTCOMES.has(outcome)) continue;
    out[method] = outcome as AuthOutcome;
    if (method === 'compauth') {
      const reason = /\breason\s*=\s*"?(\d{3})\b/i.exec(part);
      if (reason) out.compauthReason = reason[1]!;
    }
  }
  return out;
}

/** `KEY:VALUE;KEY:VALUE;…` (X-Forefront-Antispam-Report, X-Microsoft-Antispam): first value of each key. */
function fieldsOf(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.slice(0, MAX_HEADER_VALUE).split(';')) {
    const colon = part.indexOf(':');
    if (colon < 1) continue;
    const key = part.slice(0, colon).trim().toUpperCase();
    if (key.length > 16 || out.has(key)) continue;
    out.set(key, part.slice(colon + 1).trim());
  }
  return out;
}

/** A code like `SPM`: letters only, at most 16; anything else is not understood. */
function code(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z]{1,16}$/.test(value) ? value.toUpperCase() : undefined;
}

/** A level from -1 to 9 (SCL) or 0 to 9 (BCL), else undefined. */
function level(value: string | undefined, min: number): number | undefined {
  if (value === undefined || !/^-?\d$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= 9 ? n : undefined;
}

/**
 * Microsoft's verdict from a header block fetched with `BODY.PEEK[HEADER.FIELDS (…ANTISPAM_HEADER_FIELDS)]`, or
 * undefined when none of the three headers is present (not delivered through Exchange Online). Never throws.
 */
export function microsoftVerdict(block: unknown): MicrosoftVerdict | undefined {
  const headers = topmostHeaders(block);
  const ar = headers.get('authentication-results');
  const ff = headers.get('x-forefront-antispam-report');
  const ms = headers.get('x-microsoft-antispam');
  if (ar === undefined && ff === undefined && ms === undefined) return undefined;
  const report = fieldsOf(ff ?? '');
  const cat = code(report.get('CAT'));
  const sfv = code(report.get('SFV'));
  const scl = level(report.get('SCL'), -1);
  const bcl = level(fieldsOf(ms ?? '').get('BCL'), 0);
  const bulkService = code(report.get('SRV')) === 'BULK';
  const kind =
    (cat !== undefined ? CAT_KIND[cat] : undefined) ??
    (bulkService ? 'bulk' : undefined) ??
    (sfv !== undefined ? SFV_KIND[sfv] : undefined) ??
    'none';
  return {
    kind,
    ...(cat !== undefined ? { cat } : {}),
    ...(sfv !== undefined ? { sfv } : {}),
    ...(scl !== undefined ? { scl } : {}),
    ...(bcl !== undefined ? { bcl } : {}),
    ...parseAuthenticationResults(ar ?? ''),
  };
}

/** Phishing, high-confidence phishing, impersonation, malware and spoof: never "likely legitimate". */
export function isDangerous(v: MicrosoftVerdict | undefined): boolean {
  return v !== undefined && DANGEROUS.has(v.kind);
}

/**
 * The Junk message itself authenticates its sender: DMARC passed (or would have, `bestguesspass`) or composite
 * authentication passed, in Exchange's topmost `Authentication-Results`. Without that, a "seen before" sender or
 * domain proves nothing: anyone can write that address into From.
 */
export function senderAuthenticated(v: MicrosoftVerdict | undefined): boolean {
  return v !== undefined && (v.dmarc === 'pass' || v.dmarc === 'bestguesspass' || v.compauth === 'pass');
}

function kindWords(v: MicrosoftVerdict): string | undefined {
  switch (v.kind) {
    case 'malware':
      return 'malware';
    case 'high-confidence-phishing':
      return 'high-confidence phishing';
    case 'phishing':
      return 'phishing';
    case 'impersonation':
      return 'phishing (impersonation)';
    case 'spoof':
      return 'spoofed sender';
    case 'high-confidence-spam':
      return `high-confidence spam${v.scl !== undefined ? ` (SCL ${v.scl})` : ''}`;
    case 'spam':
      return `spam${v.scl !== undefined ? ` (SCL ${v.scl})` : ''}`;
    case 'bulk':
      return `bulk${v.bcl !== undefined ? ` (BCL ${v.bcl})` : ''}`;
    case 'blocked-sender':
      return 'blocked sender';
    case 'marked-by-rule':
      return 'marked spam by a rule';
    case 'not-spam':
      return 'not spam';
    case 'none':
      return undefined;
  }
}

function authWords(v: MicrosoftVerdict): string | undefined {
  if (v.dmarc === 'pass' || v.dmarc === 'bestguesspass') return 'passed DMARC';
  if (v.dmarc === 'fail') return 'failed DMARC';
  if (v.compauth === 'pass') return 'passed sender authentication';
  if (v.compauth === 'fail') return 'failed sender authentication';
  return undefined;
}

/** The digest's verdict column in words: `Microsoft: phishing · failed DMARC`, `Microsoft: bulk (BCL 7)`. */
export function verdictWords(v: MicrosoftVerdict | undefined): string {
  if (v === undefined) return 'no Microsoft verdict';
  const words = [kindWords(v), authWords(v)].filter((w): w is string => w !== undefined);
  return words.length ? `Microsoft: ${words.join(' · ')}` : 'Microsoft: no verdict';
}
