/**
 * UID sets that fit in one IMAP command. RFC 7162 §4 asks clients to keep a command line at or below 8,192 octets
 * (and servers to accept at least that); Exchange's `MaxCommandSize` defaults to 10,240 bytes on Exchange 2013 and
 * Exchange Online publishes no value, so a comma-joined list of a few thousand UIDs is answered `BAD`.
 *
 * Every UID list a check or the review sends goes through here: compacted into ranges (`1:500,502,510:9000`),
 * then split into several sets, each short enough for one command and covering at most a bounded number of UIDs
 * (so the reply of one FETCH, and the time it takes, stay bounded too). Results are merged by the caller.
 */
import type { FetchMessageObject, FetchQueryObject, ImapFlow } from 'imapflow';

/** RFC 7162 §4: the longest command line a client should send. */
export const MAX_COMMAND_OCTETS = 8192;
/**
 * Octets kept for everything around the set: tag, `UID FETCH `, the item list (`(UID ENVELOPE INTERNALDATE
 * BODY.PEEK[]<0.1048576>)` is under 80; the review's `(UID ENVELOPE BODY.PEEK[HEADER.FIELDS (Authentication-Results
 * X-Forefront-Antispam-Report X-Microsoft-Antispam)])` under 130), a MOVE target folder name (Exchange allows 255
 * characters, up to 4 octets each in modified UTF-7), CRLF.
 */
const COMMAND_OVERHEAD_OCTETS = 1536;
/** The longest set sent in one command. */
export const MAX_SET_OCTETS = MAX_COMMAND_OCTETS - COMMAND_OVERHEAD_OCTETS;
/** At most this many UIDs per command by default: one FETCH reply stays a bounded size whatever the folder. */
export const DEFAULT_UIDS_PER_COMMAND = 2000;

export interface UidSetLimits {
  /** Longest set, in octets (default MAX_SET_OCTETS). */
  maxOctets?: number;
  /** Most UIDs one set may cover (default DEFAULT_UIDS_PER_COMMAND). */
  maxUids?: number;
}

/** Sorted, de-duplicated, positive integers only (a UID is a non-zero 32-bit number, RFC 3501 §2.3.1.1). */
function normalise(uids: Iterable<number>): number[] {
  const out = [...new Set(uids)].filter((u) => Number.isInteger(u) && u > 0 && u <= 0xffffffff);
  return out.sort((a, b) => a - b);
}

/** Runs of consecutive UIDs: [first, last] pairs, in order. */
function runs(sorted: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push([sorted[i]!, sorted[j]!]);
    i = j + 1;
  }
  return out;
}

const part = ([a, b]: [number, number]) => (a === b ? `${a}` : `${a}:${b}`);

/** The whole list as one compact set (`1:3,7,9:10`), however long: for display and small lists. */
export function compactUidSet(uids: Iterable<number>): string {
  return runs(normalise(uids)).map(part).join(',');
}

/**
 * Splits a UID list into compact sets, each at most `maxOctets` long and covering at most `maxUids` UIDs, in
 * ascending order. An empty list gives no set (an empty set is not valid IMAP).
 */
export function uidSetChunks(uids: Iterable<number>, limits: UidSetLimits = {}): string[] {
  const maxOctets = limits.maxOctets ?? MAX_SET_OCTETS;
  const maxUids = limits.maxUids ?? DEFAULT_UIDS_PER_COMMAND;
  if (maxOctets < 21 || maxUids < 1) throw new RangeError('uidSetChunks: limits too small for one range');
  const sets: string[] = [];
  let current = '';
  let covered = 0;
  const flush = () => {
    if (current) sets.push(current);
    current = '';
    covered = 0;
  };
  for (const [first, last] of runs(normalise(uids))) {
    let a = first;
    while (a <= last) {
      // A long run is cut where this set's UID budget ends; the rest starts the next set.
      const b = Math.min(last, a + (maxUids - covered) - 1);
      const text = part([a, b]);
      const next = current ? `${current},${text}` : text;
      if (next.length > maxOctets) {
        flush();
        continue;
      }
      current = next;
      covered += b - a + 1;
      a = b + 1;
      if (covered >= maxUids) flush();
    }
  }
  flush();
  return sets;
}

/**
 * UID FETCH of any number of UIDs, one bounded command per set; yields every message of every set in turn.
 * No other command may run on the connection while this is being iterated (imapflow streams one FETCH at a time).
 */
export async function* fetchByUid(
  client: ImapFlow,
  uids: Iterable<number>,
  query: FetchQueryObject,
  limits: UidSetLimits = {},
): AsyncGenerator<FetchMessageObject> {
  for (const set of uidSetChunks(uids, limits)) {
    for await (const m of client.fetch(set, { ...query, uid: true }, { uid: true })) yield m;
  }
}

/** UID FETCH of any number of UIDs, collected into an array (the simple case: small per-message results). */
export async function fetchAllByUid(
  client: ImapFlow,
  uids: Iterable<number>,
  query: FetchQueryObject,
  limits: UidSetLimits = {},
): Promise<FetchMessageObject[]> {
  const out: FetchMessageObject[] = [];
  for await (const m of fetchByUid(client, uids, query, limits)) out.push(m);
  return out;
}
