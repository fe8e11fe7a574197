/**
 * `inbox`: proves the folder the desk reads is fetchable, without changing it (EXAMINE, BODY.PEEK).
 *
 * - message count; the oldest waiting message by INTERNALDATE (`inbox.waiting`: all | unseen) → WARN above
 *   warnAfterMinutes, CRIT above critAfterMinutes. Counts come from EXAMINE, STATUS and SEARCH; dates are read for
 *   a few candidates only (the lowest UIDs), so the cost does not grow with the folder (nor, in the `unseen` mode,
 *   with the unread backlog: inbox-unseen.ts);
 * - oversized messages (SEARCH LARGER maxMessageBytes) listed and left out of the waiting age and the probe → WARN
 *   (the vendor's setup guide: large mails cannot be fetched into ESM and must be moved by hand); after a run that
 *   knew them all, only the known ones and the messages that arrived since are searched (inbox-oversized.ts);
 * - a fetch probe of the oldest waiting message, `BODY.PEEK[]<0.probeMaxBytes>` (imapflow's `source` with a
 *   partial range always uses `.PEEK`, so \Seen is never set) — a server error here is CRIT with the failing UID;
 * - opt-in `moveOversizedTo`: MOVE (creating the folder), verified by the UIDPLUS COPYUID map; never deletes.
 *
 * Metrics: inboxMessages, waitingMessages, oldestWaitingSeconds, oversizedMessages, probeBytes, probeMs
 * (+ movedMessages when moving). Details: { folder, waiting, uidValidity?, uidNext?, oversizedSearch: 'folder' |
 * 'since-last-run', maxMessageBytes, oldestWaiting?: { uid, internalDate }, unseenScan? (inbox-unseen.ts),
 * oversized: [{ uid, size, date, sender, subject }], moved?: { to, uids, verified } , code?, failingUid? }.
 */
import type { ImapFlow } from 'imapflow';
import { findNamedFolder, listFolders } from '../mail/folder-finder.js';
import { lastOversized, oversizedScope } from './inbox-oversized.js';
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
import { scanUnseen, unseenCount, type UnseenScanInfo } from './inbox-unseen.js';
import { uidSetChunks } from '../mail/uid-sets.js';
import type { ResultParts } from './result.js';
import { failureParts } from './mail-context.js';
import { skippedResult, startCheck } from './result.js';
import { skipIfBlocked } from './skip.js';
import { formatBytes } from '../report/units.js';
import type { Check, CheckContext } from './types.js';

export type { OversizedMessage } from './inbox-messages.js';

interface Scan {
  exists: number;
  /** Messages waiting (all or unseen, oversized left out): counted by EXAMINE, STATUS and SEARCH, never by fetching them. */
  waitingCount: number;
  /** The oldest waiting message among the candidates read. */
  oldest?: Candidate;
  /** The folder's UIDVALIDITY (decimal), so a "Move to <folder>" link can carry it with the UIDs. */
  uidValidity?: string;
  /** UIDNEXT at EXAMINE: the next run asks SEARCH LARGER only about messages from here on (inbox-oversized.ts). */
  uidNext?: number;
  /** Whether SEARCH LARGER asked about the whole folder or only about what is new since the last run. */
  oversizedSearch: 'folder' | 'since-last-run';
  /** How many messages are oversized (exact). */
  oversizedCount: number;
  /** The first MAX_LISTED of them, described (fetched with the candidates, in the same command). */
  oversized: OversizedMessage[];
  /** The `unseen` mode: how the first unread messages were found (inbox-unseen.ts). */
  unseenScan?: UnseenScanInfo;
}

async function scan(client: ImapFlow, ctx: CheckContext, stage: { now: string }): Promise<Scan> {
  const cfg = ctx.mailbox.inbox;
  // The session's one folder list first (LIST, no LSUB), shared with the junk and sent-quota checks: opening a
  // folder imapflow has not listed makes it send its own LIST and LSUB for that folder (two more commands).
  // The last run's oversized list is read from the state store while the server answers LIST and EXAMINE.
  const last = lastOversized(ctx, MAX_LISTED);
  stage.now = 'LIST';
  await listFolders(client);
  const folder = ctx.mailbox.folders.inbox;
  // The `unseen` mode counts the unread messages with STATUS, which is sent before the folder is opened.
  let unseen: number | undefined;
  if (cfg.waiting === 'unseen') {
    stage.now = `STATUS ${folder}`;
    unseen = await unseenCount(client, folder);
  }
  stage.now = `EXAMINE ${folder}`;
  const box = await client.mailboxOpen(folder, { readOnly: true });
  const uidValidity = box.uidValidity !== undefined ? String(box.uidValidity) : undefined;
  const scope = oversizedScope(await last, uidValidity);
  const larger = { larger: cfg.maxMessageBytes, ...(scope ? { uid: scope } : {}) };
  const uv = {
    ...(uidValidity ? { uidValidity } : {}),
    ...(box.uidNext ? { uidNext: box.uidNext } : {}),
    oversizedSearch: scope ? ('since-last-run' as const) : ('folder' as const),
  };
  if (box.exists === 0) return { exists: 0, waitingCount: 0, oversizedCount: 0, oversized: [], ...uv };

  if (unseen !== undefined) {
    const u = await scanUnseen(client, box, unseen, larger, stage);
    return {
      exists: box.exists,
      waitingCount: u.waitingCount,
      ...(u.oldest ? { oldest: u.oldest } : {}),
      oversizedCount: u.oversizedCount,
      oversized: u.oversized,
      unseenScan: u.info,
      ...uv,
    };
  }

  // Every message waits: the first sequence numbers are the lowest UIDs. The oversized ones come from a SEARCH in
  // sequence numbers, so the FETCH of the candidates' dates also carries the envelopes of the first oversized ones
  // (one command less). Sequence numbers hold between the two: a server sends no EXPUNGE while no command is in
  // progress nor during a SEARCH or FETCH (RFC 3501 §7.4.1), and the session is read-only.
  stage.now = 'SEARCH LARGER';
  const oversizedSeqs = sortedHits(await client.search(larger));
  const oversizedSet = new Set(oversizedSeqs);
  const toList = new Set(oversizedSeqs.slice(0, MAX_LISTED));
  stage.now = 'FETCH INTERNALDATE';
  const read: Array<{ uid: number; date: Date }> = [];
  const listed: OversizedMessage[] = [];
  // Windows of CANDIDATES until one holds a message that is not oversized (oversized ones are left out of the age
  // and the probe); the first window also fetches the oversized messages to list.
  for (let first = 1; first <= box.exists && read.length === 0; first += CANDIDATES) {
    const last = Math.min(box.exists, first + CANDIDATES - 1);
    const extra = first === 1 ? [...toList].filter((q) => q > last) : [];
    const describe = first === 1 && toList.size > 0;
    const range = [`${first}:${last}`, ...extra].join(',');
    const items = { uid: true, internalDate: true, ...(describe ? { size: true, envelope: true } : {}) };
    for await (const m of client.fetch(range, items)) {
      if (!oversizedSet.has(m.seq)) {
        if (m.seq >= first && m.seq <= last) read.push({ uid: m.uid, date: dateOf(m) });
      } else if (describe && toList.has(m.seq)) listed.push(oversizedMessage(m));
    }
  }
  const oldest = oldestOf(read);
  return {
    exists: box.exists,
    waitingCount: Math.max(0, box.exists - oversizedSeqs.length),
    ...(oldest ? { oldest } : {}),
    oversizedCount: oversizedSeqs.length,
    oversized: listed.sort((a, b) => a.uid - b.uid),
    ...uv,
  };
}

/** Probe reads go in slices: memory stays at one slice per mailbox whatever the message size. */
const PROBE_SLICE_BYTES = 1_048_576;

/**
 * Downloads a message as the desk would, `BODY.PEEK[]<offset.length>` slice by slice (imapflow always sends
 * `.PEEK` for `source`, so \Seen is never set), up to `cap` bytes; returns the bytes received.
 */
async function probeFetch(client: ImapFlow, uid: number, cap: number): Promise<number> {
  let offset = 0;
  while (offset < cap) {
    const length = Math.min(PROBE_SLICE_BYTES, cap - offset);
    const m = await client.fetchOne(
      String(uid),
      { uid: true, source: { start: offset, maxLength: length } },
      { uid: true },
    );
    const got = m && m.source ? m.source.length : 0;
    offset += got;
    if (got < length) break;
  }
  return offset;
}

/**
 * The opt-in move: the target found by the folder finder (created if missing, the same lookup the alert's "Move to"
 * buttons use), SELECT (read-write only now), MOVE, verify by COPYUID.
 */
async function moveOversized(client: ImapFlow, ctx: CheckContext, name: string, uids: number[]) {
  // Without MOVE imapflow falls back to COPY + \Deleted + EXPUNGE, and a plain EXPUNGE would also remove
  // messages someone else marked \Deleted: the monitor never deletes, so it does not move then.
  if (!client.capabilities.has('MOVE'))
    return { to: name, uids, verified: false, skipped: 'server lacks MOVE' };
  const { path: to } = await findNamedFolder(client, name, {
    configKey: 'inbox.moveOversizedTo',
    create: true,
  });
  await client.mailboxOpen(ctx.mailbox.folders.inbox, { readOnly: false });
  // One MOVE per bounded UID set (every command ≤ 8 KB); the COPYUID maps of all of them are merged.
  const map = new Map<number, number>();
  for (const set of uidSetChunks(uids)) {
    const res = await client.messageMove(set, to, { uid: true });
    const part = res && typeof res === 'object' ? res.uidMap : undefined;
    for (const [from, into] of part ?? []) map.set(from, into);
  }
  const verified = uids.every((u) => map.has(u));
  ctx.logger.info('inbox: moved oversized messages', {
    mailbox: ctx.mailbox.id,
    count: uids.length,
    to,
    verified,
  });
  return { to, uids, verified };
}

export const inboxCheck: Check = async (ctx) => {
  const blocked = skipIfBlocked(ctx, 'inbox');
  if (blocked) return blocked;
  const client = ctx.imap.client();
  if (!client?.usable) return skippedResult(ctx, 'inbox', 'no usable IMAP session');
  const finish = startCheck(ctx, 'inbox');
  const cfg = ctx.mailbox.inbox;
  const folder = ctx.mailbox.folders.inbox;
  const stage = { now: '' };
  const metrics: Record<string, number> = {};
  let failingUid: number | undefined;
  try {
    const s = await scan(client, ctx, stage);
    const now = ctx.clock.now().getTime();
    const oldest = s.oldest;
    const oldestWaitingSeconds = oldest ? Math.max(0, Math.floor((now - oldest.date.getTime()) / 1000)) : 0;
    Object.assign(metrics, {
      inboxMessages: s.exists,
      waitingMessages: s.waitingCount,
      oldestWaitingSeconds,
      oversizedMessages: s.oversizedCount,
      probeBytes: 0,
      probeMs: 0,
    });
    const oversized = s.oversized;

    if (oldest) {
      failingUid = oldest.uid;
      stage.now = `fetch of UID ${oldest.uid}`;
      const t0 = ctx.clock.now().getTime();
      metrics.probeBytes = await probeFetch(client, oldest.uid, cfg.probeMaxBytes);
      metrics.probeMs = Math.max(0, ctx.clock.now().getTime() - t0);
      failingUid = undefined;
    }

    let moved: Awaited<ReturnType<typeof moveOversized>> | undefined;
    if (cfg.moveOversizedTo && s.oversizedCount > 0) {
      stage.now = 'SEARCH LARGER';
      const uids = await client.search({ larger: cfg.maxMessageBytes }, { uid: true });
      stage.now = `MOVE to ${cfg.moveOversizedTo}`;
      moved = await moveOversized(client, ctx, cfg.moveOversizedTo, Array.isArray(uids) ? uids : []);
      metrics.movedMessages = moved.verified ? moved.uids.length : 0;
    }

    const details: Record<string, unknown> = {
      folder,
      waiting: cfg.waiting,
      oversized,
      ...(s.uidValidity ? { uidValidity: s.uidValidity } : {}),
      ...(s.uidNext ? { uidNext: s.uidNext } : {}),
      oversizedSearch: s.oversizedSearch,
      ...(s.unseenScan ? { unseenScan: s.unseenScan } : {}),
      ...(oldest ? { oldestWaiting: { uid: oldest.uid, internalDate: oldest.date.toISOString() } } : {}),
      ...(moved ? { moved } : {}),
    };
    return finish(judge(ctx, metrics, details, oversized, moved));
  } catch (err) {
    const parts = failureParts('IMAP', err, ctx.mailbox, stage.now || 'inbox scan', {
      details: { folder, stage: stage.now, ...(failingUid !== undefined ? { failingUid } : {}) },
      metrics,
    });
    return finish(parts);
  }
};

function judge(
  ctx: CheckContext,
  metrics: Record<string, number>,
  details: Record<string, unknown>,
  oversized: OversizedMessage[],
  moved: { to: string; uids: number[]; verified: boolean } | undefined,
): ResultParts {
  const cfg = ctx.mailbox.inbox;
  const ageMin = (metrics.oldestWaitingSeconds ?? 0) / 60;
  const parts: string[] = [
    `${metrics.inboxMessages} messages, ${metrics.waitingMessages} waiting` +
      (metrics.waitingMessages
        ? details.oldestWaiting
          ? `, oldest ${formatAge(metrics.oldestWaitingSeconds ?? 0)}`
          : ', oldest not found among the messages searched'
        : ''),
  ];
  let status: ResultParts['status'] = 'OK';
  let remediation: ResultParts['remediation'];
  if (ageMin > cfg.critAfterMinutes || ageMin > cfg.warnAfterMinutes) {
    status = ageMin > cfg.critAfterMinutes ? 'CRIT' : 'WARN';
    parts[0] += ` (over ${status === 'CRIT' ? cfg.critAfterMinutes : cfg.warnAfterMinutes} min)`;
    remediation = {
      cause: 'messages wait in the folder the desk reads: the desk is not fetching',
      fix: "check the service desk's mail fetching job and its log; the fetch probe shows the mailbox itself is readable",
    };
  }
  // The renderers split this result into one item per problem: they need to know which part is failing.
  details.waitingStatus = status;
  details.maxMessageBytes = cfg.maxMessageBytes;
  const count = metrics.oversizedMessages ?? 0;
  if (count > 0) {
    const biggest = Math.max(...oversized.map((o) => o.size), 0);
    const verb = moved
      ? moved.verified
        ? `moved to ${moved.to}`
        : `move to ${moved.to} NOT verified`
      : 'not fetchable';
    const first = oversized[0];
    const example = first
      ? ` (first: UID ${first.uid}, ${formatBytes(first.size)}, from ${first.sender || 'unknown'}, "${first.subject}")`
      : '';
    parts.push(
      `${count} oversized over ${formatBytes(cfg.maxMessageBytes)}, largest ${formatBytes(biggest)}, ${verb}${example}`,
    );
    if (status === 'OK') status = 'WARN';
    remediation ??= {
      cause: `${count} message(s) exceed ${formatBytes(cfg.maxMessageBytes)} and cannot be fetched by the desk`,
      fix: moved
        ? `handle the moved message(s) in ${moved.to} by hand`
        : 'move them out of the folder by hand (or set inbox.moveOversizedTo) and handle them by hand',
    };
  }
  if (metrics.probeBytes)
    parts.push(`probe fetched ${formatBytes(metrics.probeBytes)} in ${metrics.probeMs} ms`);
  return { status, summary: parts.join('; '), metrics, details, ...(remediation ? { remediation } : {}) };
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d`;
}
