/**
 * The one scrubber for text that comes from outside (token endpoint bodies, IMAP/SMTP replies, library error
 * messages) before it reaches a result, a log line, an alert, a webhook or telemetry. A token endpoint or a proxy
 * in front of it may echo the request body (`… password=…&client_secret=…`); a lab or misbehaving server may echo
 * the AUTHENTICATE line. Two layers:
 *
 * 1. Shapes that are secret whatever their value: `password=`, `client_secret=`, `client_assertion=`,
 *    `refresh_token=`, `access_token=` (form and JSON spellings), `Bearer …`, JWT-shaped strings, SASL XOAUTH2
 *    payloads (base64 of `user=…\x01auth=Bearer …`, RFC 7628-style), PEM private keys.
 * 2. The identity's own secrets, in every spelling they travel in: raw, URL-encoded (RFC 3986 and form
 *    encoding), JSON-escaped, and inside base64 / base64url text at any byte alignment.
 *
 * Every pattern is linear (no nested quantifiers), so scrubbing cannot stall a run whatever the input.
 */

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not matched as free text (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 6;

const SECRET_KEYS =
  'password|passwd|pwd|client_secret|client_assertion|refresh_token|access_token|id_token|assertion|code_verifier';

const SHAPES: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    `[redacted private key]`,
  ],
  // A JWT: three base64url parts, the first one a JSON object ("eyJ" is base64 of '{"').
  [/\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, '[redacted JWT]'],
  // key=value in forms and query strings, whatever the value's encoding.
  [new RegExp(`\\b(${SECRET_KEYS})=[^&\\s"'<>]*`, 'gi'), `$1=${REDACTED}`],
  // "key": "value" in JSON.
  [new RegExp(`"(${SECRET_KEYS})"\\s*:\\s*"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `"$1":"${REDACTED}"`],
  [/\bBearer\s+[^\s"'&,;<>]+/gi, `Bearer ${REDACTED}`],
  // The SASL XOAUTH2 initial response after the command that carries it (IMAP AUTHENTICATE, SMTP AUTH).
  [/\b(AUTHENTICATE|AUTH)\s+XOAUTH2\s+[A-Za-z0-9+/_-]{12,}={0,2}(?![^\s"'])/gi, `$1 XOAUTH2 ${REDACTED}`],
  // A bare XOAUTH2 payload: base64 of "user=" is "dXNlcj".
  [/\bdXNlcj[A-Za-z0-9+/_-]{8,}={0,2}/g, '[redacted XOAUTH2]'],
];

function toBase64Url(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The base64 characters that encode `secret` whatever its byte offset in the encoded text: for each of the three
 * alignments, the 4-character groups made of the secret's bytes only.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    const start = pad === 0 ? 0 : 4;
    const end = Math.floor((pad + bytes.length) / 3) * 4;
    const core = b64.slice(start, end);
    if (core.length >= 8) cores.push(core, toBase64Url(core));
  }
  return cores;
}

/** Every spelling of `secret` the scrubber looks for (also what a canary scan searches outputs for). */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (s: string) => {
    if (s.length >= MIN_SECRET_LENGTH) forms.add(s);
  };
  add(secret);
  add(encodeURIComponent(secret));
  add(new URLSearchParams({ s: secret }).toString().slice(2));
  add(JSON.stringify(secret).slice(1, -1));
  for (const core of base64Cores(secret)) add(core);
  // A PEM secret (private key) travels line by line too.
  if (secret.includes('-----BEGIN')) {
    for (const line of secret.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) add(line);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

export class Scrubber {
  #forms: string[] = [];
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.addSecret(s);
  }

  /** Registers a secret the identity uses (a password, a client secret, a private key). */
  addSecret(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    this.#forms = [...new Set([...this.#forms, ...secretForms(secret)])].sort((a, b) => b.length - a.length);
  }

  /** A scrubber that also knows `secrets` (this one is left as it is). */
  with(secrets: Iterable<string | undefined>): Scrubber {
    const s = new Scrubber(this.#secrets);
    for (const x of secrets) s.addSecret(x);
    return s;
  }

  scrub(text: string): string {
    let out = text;
    for (const form of this.#forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    for (const [re, replacement] of SHAPES) out = out.replace(re, replacement);
    return out;
  }

  /** Scrubs every string inside a JSON-like value (results, alert payloads); other values are kept. */
  scrubDeep<T>(value: T): T {
    return this.#deep(value, 0) as T;
  }

  #deep(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (depth > 20 || value === null || typeof value !== 'object') return value;
    if (value instanceof Date) return value;
    if (Array.isArray(value)) return value.map((v) => this.#deep(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.#deep(v, depth + 1)]));
  }
}

/**
 * The process-wide scrubber: the secret resolver registers every secret it resolves here, so every boundary
 * (results, logs, alerts, webhooks) scrubs the identities' secrets without each of them carrying the list.
 */
export const processScrubber = new Scrubber();

/** Scrubs `text` with the process-wide scrubber. */
export function scrub(text: string): string {
  return processScrubber.scrub(text);
}
