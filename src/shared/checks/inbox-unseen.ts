/**
 * The inbox check's `unseen` waiting mode (`inbox.waiting: "unseen"`): what waits is every unread message that is
 * not oversized. Its cost does not grow with the folder nor with the unread backlog.
 *
 * `SEARCH UNSEEN` would list every unread sequence number or UID — 10,000 unread cost ≈ 60 kB and ≈ 20 ms of the
 * client parsing them — and a server without ESEARCH (RFC 4731's COUNT and MIN; Exchange Online advertises none)
 * cannot answer with a count instead. So:
 * - **the count** comes from `STATUS <inbox> (UNSEEN)`, sent before the EXAMINE (RFC 3501 §6.3.10: STATUS is not
 *   meant for the selected mailbox), minus the oversized unread messages: their FLAGS come with the FETCH that
 *   describes them, or — when there are more than that FETCH lists — from `SEARCH LARGER n UNSEEN`;
 * - **the first waiting messages** come from `SEARCH <from>:<to> UNSEEN` over a window of sequence numbers that
 *   starts at the first unread message, which EXAMINE names in its `OK [UNSEEN n]` response code (RFC 3501 §7.1;
 *   imapflow's `mailbox.unseen`). The window is sized from the unread count to hold about 2 × CANDIDATES unread
 *   messages when they are spread evenly, and widened (each next window 8× larger, at most MAX_WINDOWS windows of
 *   at most MAX_WINDOW_SEQS) only while fewer than CANDIDATES waiting ones were found and unread ones remain.
 *   When nearly everything from the first unread message on is unread — a desk's backlog, the usual case — the
 *   first window is fetched instead of searched (`FETCH n:m (UID FLAGS INTERNALDATE)`, about CANDIDATES messages):
 *   its flags tell the unread ones and the same FETCH carries their dates, one command less;
 * - `[UNSEEN n]` is optional (RFC 3501 §7.1 "If this is missing, the client can not make any assumptions about
 *   the first unseen message"; Gmail omits it, Exchange Online does not document it): without it the windows start
 *   at the first message. When they end without finding a waiting message, one last window over the newest
 *   MAX_WINDOW_SEQS messages finds the newest unread ones — where a desk that marks what it fetched as read leaves
 *   its backlog — and the oldest of those is reported (a message waiting at least that long).
 *
 * Sequence numbers hold from the EXAMINE through the last FETCH: a server sends no EXPUNGE while no command is in
 * progress nor during a SEARCH or FETCH (RFC 3501 §7.4.1), and the session is read-only. The STATUS count is from
 * just before the EXAMINE: a message read or arriving in between moves the count by one, as it would a moment later.
 */
import type { ImapFlow, SearchObject } from 'imapflow';
import { compactUidSet } from '../mail/uid-sets.js';
import {
  CANDIDATES,
  dateOf,
  MAX_LISTED,
  oldestOf,
  oversizedMessage,
  sortedHits,
  type Candidate,
  type OversizedMessage,
} from './inbox-messages.js';

/** Most windows searched for the first waiting messages (plus one over the newest, see above). */
export const MAX_WINDOWS = 4;
/** Most sequence numbers one window covers: one SEARCH answer stays under ≈ 30 kB even if all are unread. */
export const MAX_WINDOW_SEQS = 4096;
const GROWTH = 8;
/** A window is sized to hold this many times CANDIDATES unread messages, if they are spread evenly. */
const FILL = 2;
/** At least this share unread from the first unread message on: read a window's FLAGS instead of searching it. */
const DENSE = 0.75;

/** How the first waiting messages were found, for the result's details. */
export interface UnseenScanInfo {
  /** EXAMINE's `[UNSEEN n]`, when the server sent it. */
  firstUnseen?: number;
  /** The window whose FLAGS were fetched instead of searched (`n:m`), when the unread messages are dense. */
  fetched?: string;
  /** The sequence ranges searched, in order (`1:400`). */
  searched: string[];
  /** Waiting messages found (their dates read for at most CANDIDATES of them). */
  found: number;
  /** True when the candidates are the first CANDIDATES waiting messages (or all of them): the scan did not stop early. */
  complete: boolean;
  /** Only the newest messages' window found any: the age shown is a lower bound. */
  newestOnly?: true;
}

export interface UnseenScan {
  waitingCount: number;
  oldest?: Candidate;
  oversizedCount: number;
  oversized: OversizedMessage[];
  info: UnseenScanInfo;
}

/** The folder's unread count, from STATUS (call before opening the folder). */
export async function unseenCount(client: ImapFlow, folder: string): Promise<number> {
  const st = await client.status(folder, { unseen: true });
  const n = st && typeof st === 'object' ? st.unseen : undefined;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new Error(`STATUS ${folder} (UNSEEN) was answered without an unread count`);
  return n;
}

/**
 * The unseen-mode scan of the open (EXAMINEd) folder. `unseen` is the STATUS count from before the EXAMINE,
 * `larger` the oversized SEARCH (whole folder or what is new since the last run, inbox-oversized.ts).
 */
export async function scanUnseen(
  client: ImapFlow,
  box: { exists: number; unseen?: number },
  unseen: number,
  larger: SearchObject,
  stage: { now: string },
): Promise<UnseenScan> {
  const exists = box.exists;
  stage.now = 'SEARCH LARGER';
  const oversizedSeqs = sortedHits(await client.search(larger));
  const oversizedSet = new Set(oversizedSeqs);

  const first =
    typeof box.unseen === 'number' && box.unseen >= 1 && box.unseen <= exists ? box.unseen : undefined;
  // A message that arrived unread between STATUS and EXAMINE: EXAMINE's word that one exists counts too.
  const expected = Math.max(unseen, first !== undefined ? 1 : 0);
  const info: UnseenScanInfo = {
    ...(first ? { firstUnseen: first } : {}),
    searched: [],
    found: 0,
    complete: true,
  };
  /** Waiting messages found, by sequence number, and the dates read for them. */
  const waiting: number[] = [];
  const dated = new Map<number, Candidate>();
  let unreadFound = 0;
  const toList = oversizedSeqs.slice(0, MAX_LISTED);
  const listed: OversizedMessage[] = [];
  let unreadOversized = 0;
  let describePending = toList.length > 0;

  /**
   * One FETCH in sequence numbers: `seqs` (a window `[from, to]`, whose unread messages are told by their FLAGS,
   * or the candidates found by SEARCH) plus, the first time, the oversized messages to list, described with their
   * flags (an unread oversized message is not waiting: it is taken off the STATUS count).
   */
  const fetchSeqs = async (seqs: number[] | [number, number], window: boolean) => {
    const describe = describePending;
    describePending = false;
    const [lo, hi] = window ? (seqs as [number, number]) : [0, -1];
    const extra = describe ? toList.filter((q) => q < lo || q > hi) : [];
    const set = [window ? `${lo}:${hi}` : '', compactUidSet(window ? extra : [...seqs, ...extra])]
      .filter(Boolean)
      .join(',');
    if (!set) return;
    const items = {
      uid: true,
      internalDate: true,
      ...(describe || window ? { flags: true } : {}),
      ...(describe ? { size: true, envelope: true } : {}),
    };
    for await (const m of client.fetch(set, items)) {
      const unread = !m.flags?.has('\\Seen');
      if (window && m.seq >= lo && m.seq <= hi && unread) {
        unreadFound++;
        if (!oversizedSet.has(m.seq)) waiting.push(m.seq);
      }
      if (oversizedSet.has(m.seq)) {
        if (describe && toList.includes(m.seq)) {
          listed.push(oversizedMessage(m));
          if (unread) unreadOversized++;
        }
      } else if (!window || (m.seq >= lo && m.seq <= hi && unread))
        dated.set(m.seq, { uid: m.uid, date: dateOf(m) });
    }
  };
  const search = async (from: number, to: number) => {
    const range = `${from}:${to}`;
    stage.now = `SEARCH ${range} UNSEEN`;
    info.searched.push(range);
    for (const seq of sortedHits(await client.search({ seq: range, seen: false }))) {
      unreadFound++;
      if (!oversizedSet.has(seq)) waiting.push(seq);
    }
  };

  let from = first ?? 1;
  const done = () => waiting.length >= CANDIDATES || unreadFound >= expected || from > exists;
  if (expected > 0) {
    const span = exists - from + 1;
    // Mostly unread from here (a desk's backlog): the window's own FLAGS tell the unread ones, and its dates come
    // in the same FETCH — no SEARCH, and hardly more bytes than the candidates' dates alone.
    if (expected >= DENSE * span) {
      // Sized to hold CANDIDATES unread messages, plus one for each oversized message inside it (not candidates;
      // a few rounds, at most CANDIDATES more: if that is not enough, the windows below go on searching).
      const base = Math.ceil((CANDIDATES * span) / expected);
      const oversizedIn = (to: number) => oversizedSeqs.filter((q) => q >= from && q <= to).length;
      let to = from + base - 1;
      for (let round = 0; round < 3; round++) to = from + base + Math.min(CANDIDATES, oversizedIn(to)) - 1;
      to = Math.min(exists, to);
      stage.now = `FETCH ${from}:${to}`;
      info.fetched = `${from}:${to}`;
      await fetchSeqs([from, to], true);
      from = to + 1;
    }
    const left = () => Math.max(1, expected - unreadFound);
    let size = Math.ceil((FILL * (CANDIDATES - waiting.length) * (exists - from + 1)) / left());
    size = Math.min(MAX_WINDOW_SEQS, Math.max(CANDIDATES, size));
    for (let w = 0; w < MAX_WINDOWS && !done(); w++) {
      const to = Math.min(exists, from + size - 1);
      await search(from, to);
      from = to + 1;
      size = Math.min(MAX_WINDOW_SEQS, size * GROWTH);
    }
    info.complete = done();
    if (!info.complete && waiting.length === 0) {
      await search(Math.max(from, exists - MAX_WINDOW_SEQS + 1), exists);
      // Complete after all when this found every unread message left; else what it found are the newest ones.
      info.complete = unreadFound >= expected;
      if (!info.complete && waiting.length > 0) info.newestOnly = true;
    }
  }
  waiting.sort((a, b) => a - b);
  info.found = waiting.length;

  // The candidates' dates not read yet (found by SEARCH), with the oversized to list if no FETCH carried them.
  const candidates = waiting.slice(0, CANDIDATES);
  const undated = candidates.filter((q) => !dated.has(q));
  if (undated.length > 0 || describePending) {
    stage.now = 'FETCH INTERNALDATE';
    await fetchSeqs(undated, false);
  }
  if (oversizedSeqs.length > toList.length && expected > 0) {
    // More oversized messages than the FETCH described: count the unread ones among them with one SEARCH (its
    // answer lists only oversized unread messages, which the result lists anyway — and asks to move by hand).
    stage.now = 'SEARCH LARGER UNSEEN';
    unreadOversized = sortedHits(await client.search({ ...larger, seen: false })).length;
  }
  const read = candidates.map((q) => dated.get(q)).filter((c): c is Candidate => c !== undefined);
  const oldest = oldestOf(read);
  const most = Math.max(0, exists - oversizedSeqs.length);
  return {
    waitingCount: Math.min(most, Math.max(waiting.length, unseen - unreadOversized)),
    ...(oldest ? { oldest } : {}),
    oversizedCount: oversizedSeqs.length,
    oversized: listed.sort((a, b) => a.uid - b.uid),
    info,
  };
}
