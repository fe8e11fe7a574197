/**
 * Signed, expiring, single-use action links: `<base URL>?t=<payload>.<signature>`.
 *
 * The payload is base64url(JSON) of what the link may do — the action, the mailbox id, the source folder with its
 * UIDVALIDITY, the messages (UID + Message-ID, plus a short subject and sender for the confirmation page), when it
 * was issued, when it expires and a random nonce. The signature is base64url(HMAC-SHA256(key, payload)) (RFC 2104,
 * FIPS 180-4). The link carries no mailbox secret and no token: what it grants is exactly what it says, and the
 * nonce makes it usable once (actions/store.ts records it before anything moves).
 *
 * Two keys are accepted: the current one signs, the previous one still verifies, so the key can be rotated without
 * breaking the links in last week's digest. Verification is constant-time (`timingSafeEqual`).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MIN_KEY_LENGTH, type LinkKeys } from '../config/action-settings.js';

export { MIN_KEY_LENGTH, type LinkKeys };

export const ACTION_KINDS = ['release', 'move-oversized'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** A week's digest plus a day: the links of one digest stay usable until the next one arrives. */
export const DEFAULT_LINK_TTL_MS = 8 * 86_400_000;
/** A batch link ("Move all likely legitimate") moves at most this many messages: keeps the URL under ~3 kB. */
export const MAX_LINK_ITEMS = 10;
/** Code points of subject and sender carried for the confirmation page (shown escaped, never trusted). */
export const LINK_TEXT_CAP = 60;
/** RFC 5322 allows long Message-IDs; 250 covers every real one and bounds the link. */
export const MAX_MESSAGE_ID = 250;

export interface LinkItem {
  uid: number;
  /** The Message-ID header as the server returned it in ENVELOPE (with angle brackets), or '' when absent. */
  messageId: string;
  /** Display only (HOSTILE mail data, capped): subject and sender address at the time the link was made. */
  subject: string;
  from: string;
}

export interface ActionLink {
  action: ActionKind;
  mailbox: string;
  /** The source folder (Junk for `release`, the fetched folder for `move-oversized`). */
  folder: string;
  /** The folder's UIDVALIDITY (RFC 3501 §2.3.1.1) when the link was made, as a decimal string (it is 32-bit). */
  uidValidity: string;
  items: LinkItem[];
  /** Epoch milliseconds. */
  issuedAt: number;
  expiresAt: number;
  /** 128 random bits, base64url: the single-use key. */
  nonce: string;
}

export type VerifyOutcome =
  | { ok: true; link: ActionLink; key: 'current' | 'previous' }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired'; link?: ActionLink };

const b64url = (b: Buffer) => b.toString('base64url');

function cap(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

export function newNonce(): string {
  return b64url(randomBytes(16));
}

function mac(key: string, payload: string): Buffer {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(payload, 'ascii').digest();
}

/** Builds the signed token (the value of `t`). Items are capped; text fields are length-bounded. */
export function signLink(link: ActionLink, key: string): string {
  if (key.length < MIN_KEY_LENGTH) throw new Error(`action link key: at least ${MIN_KEY_LENGTH} characters`);
  if (link.items.length === 0 || link.items.length > MAX_LINK_ITEMS)
    throw new Error(`an action link moves 1–${MAX_LINK_ITEMS} messages`);
  // Short keys keep the URL small; the reader is this module only.
  const body = {
    v: 1,
    a: link.action,
    m: link.mailbox,
    f: link.folder,
    uv: link.uidValidity,
    i: link.items.map((x) => ({
      u: x.uid,
      id: cap(x.messageId, MAX_MESSAGE_ID),
      s: cap(x.subject, LINK_TEXT_CAP),
      fr: cap(x.from, LINK_TEXT_CAP),
    })),
    iat: Math.floor(link.issuedAt / 1000),
    exp: Math.floor(link.expiresAt / 1000),
    n: link.nonce,
  };
  const payload = b64url(Buffer.from(JSON.stringify(body), 'utf8'));
  return `${payload}.${b64url(mac(key, payload))}`;
}

const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const isUint32 = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 0xffffffff;

/** Parses a payload whose signature was already verified; anything unexpected is `undefined` (malformed). */
function parsePayload(payload: string): ActionLink | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const o = raw as Record<string, unknown>;
  if (!o || typeof o !== 'object' || o.v !== 1) return undefined;
  if (!ACTION_KINDS.includes(o.a as ActionKind)) return undefined;
  if (!isStr(o.m, 63) || !/^[a-z0-9-]{1,63}$/.test(o.m)) return undefined;
  if (!isStr(o.f, 1000) || o.f.length === 0) return undefined;
  if (!isStr(o.uv, 10) || !/^\d{1,10}$/.test(o.uv)) return undefined;
  if (!isStr(o.n, 64) || !/^[A-Za-z0-9_-]{16,64}$/.test(o.n)) return undefined;
  if (typeof o.iat !== 'number' || typeof o.exp !== 'number') return undefined;
  if (!Array.isArray(o.i) || o.i.length === 0 || o.i.length > MAX_LINK_ITEMS) return undefined;
  const items: LinkItem[] = [];
  for (const it of o.i as Array<Record<string, unknown>>) {
    if (!it || !isUint32(it.u)) return undefined;
    if (!isStr(it.id, MAX_MESSAGE_ID * 2) || !isStr(it.s, 400) || !isStr(it.fr, 400)) return undefined;
    items.push({ uid: it.u, messageId: it.id, subject: it.s, from: it.fr });
  }
  return {
    action: o.a as ActionKind,
    mailbox: o.m,
    folder: o.f,
    uidValidity: o.uv,
    items,
    issuedAt: o.iat * 1000,
    expiresAt: o.exp * 1000,
    nonce: o.n,
  };
}

/**
 * Verifies a token: the signature under the current or the previous key, then the payload, then the expiry.
 * A bad signature is reported as such before anything of the payload is believed.
 */
export function verifyLink(token: string | undefined, keys: LinkKeys, now: Date): VerifyOutcome {
  if (!token || token.length > 8192) return { ok: false, reason: 'malformed' };
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, payload, sig] = m as unknown as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  const candidates: Array<['current' | 'previous', string]> = [['current', keys.current]];
  if (keys.previous) candidates.push(['previous', keys.previous]);
  let which: 'current' | 'previous' | undefined;
  for (const [name, key] of candidates) {
    const expected = mac(key, payload);
    if (expected.length === given.length && timingSafeEqual(expected, given)) which ??= name;
  }
  if (!which) return { ok: false, reason: 'bad-signature' };
  const link = parsePayload(payload);
  if (!link) return { ok: false, reason: 'malformed' };
  if (now.getTime() >= link.expiresAt) return { ok: false, reason: 'expired', link };
  return { ok: true, link, key: which };
}

/** The full URL of a link: the base URL (the deployed `mailboxAction` endpoint) with `?t=`. */
export function linkUrl(baseUrl: string, token: string): string {
  const u = new URL(baseUrl);
  u.searchParams.set('t', token);
  return u.toString();
}
