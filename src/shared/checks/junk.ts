/**
 * `junk`: watches the Junk folder the admins are told to review weekly (the vendor's setup guide). Found by the one folder finder
 * (mail/folder-finder.ts: `folders.junk`, SPECIAL-USE, then the localized names — Exchange Online advertises no
 * SPECIAL-USE and names the folder in the mailbox language); not found → UNKNOWN listing the folders that exist.
 * Opened read-only; the dates read are those of recent arrivals only, whatever the folder size.
 *
 * Unreviewed = arrivals since `ctx.lastSpamReviewAt`, or every message when no review is known. WARN above
 * `junk.warnUnreviewed`. Metrics: junkMessages, junkArrivals24h, junkUnreviewed.
 * Details: { folder, foundBy: 'config'|'special-use'|'name', language?, lastReviewAt? }.
 */
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import { findFolder } from '../mail/folder-finder.js';
import { fetchByUid } from '../mail/uid-sets.js';
import { failureParts } from './mail-context.js';
import { skippedResult, startCheck } from './result.js';
import { skipIfBlocked } from './skip.js';
import type { Check } from './types.js';

const DAY_MS = 86_400_000;
/**
 * The newest messages whose INTERNALDATE is read first. Junk arrives in UID order, so the window since `from`
 * is usually a tail of the folder; only when the whole tail is inside the window is the folder searched.
 */
const TAIL = 200;

function dateOf(m: FetchMessageObject): Date {
  return m.internalDate instanceof Date ? m.internalDate : new Date(m.internalDate ?? NaN);
}

/**
 * INTERNALDATEs of every message that arrived after `from`, read from a bounded tail by sequence number; a
 * SEARCH SINCE (one day early: it compares dates in the server's time zone) and a paged UID FETCH only when the
 * tail does not reach back to `from`. Cost follows the arrivals, not the folder size.
 */
async function arrivalsSince(client: ImapFlow, exists: number, from: Date): Promise<Date[]> {
  const first = Math.max(1, exists - TAIL + 1);
  const tail: Date[] = [];
  for await (const m of client.fetch(`${first}:*`, { uid: true, internalDate: true })) tail.push(dateOf(m));
  const reachesBack = first === 1 || tail.some((d) => !(d > from));
  if (reachesBack) return tail.filter((d) => d > from);
  const uids = await client.search({ since: new Date(from.getTime() - DAY_MS) }, { uid: true });
  const out: Date[] = [];
  if (!Array.isArray(uids)) return out;
  for await (const m of fetchByUid(client, uids, { internalDate: true })) {
    const d = dateOf(m);
    if (d > from) out.push(d);
  }
  return out;
}

export const junkCheck: Check = async (ctx) => {
  const blocked = skipIfBlocked(ctx, 'junk');
  if (blocked) return blocked;
  const client = ctx.imap.client();
  if (!client?.usable) return skippedResult(ctx, 'junk', 'no usable IMAP session');
  const finish = startCheck(ctx, 'junk');
  let stage = 'LIST';
  try {
    const found = await findFolder(client, 'junk', ctx.mailbox);
    if (!found.found) {
      return finish({
        status: 'UNKNOWN',
        summary: found.summary,
        details: {
          code: 'JUNK_NOT_FOUND',
          fault: 'setup',
          configKey: found.configKey,
          existingFolders: found.existing,
        },
        remediation: found.remediation,
      });
    }
    stage = `EXAMINE ${found.path}`;
    const box = await client.mailboxOpen(found.path, { readOnly: true });
    const now = ctx.clock.now();
    const review = ctx.lastSpamReviewAt;
    const dayAgo = new Date(now.getTime() - DAY_MS);
    // SEARCH SINCE compares dates only (in the server's time zone): search a day early, then compare exactly.
    const from = review && review < dayAgo ? review : dayAgo;
    let arrivals24h = 0;
    let sinceReview = 0;
    if (box.exists > 0) {
      stage = 'FETCH INTERNALDATE';
      for (const d of await arrivalsSince(client, box.exists, from)) {
        if (d > dayAgo) arrivals24h++;
        if (review && d > review) sinceReview++;
      }
    }
    const unreviewed = review ? sinceReview : box.exists;
    const limit = ctx.mailbox.junk.warnUnreviewed;
    const metrics = { junkMessages: box.exists, junkArrivals24h: arrivals24h, junkUnreviewed: unreviewed };
    const details = {
      folder: found.path,
      foundBy: found.foundBy,
      ...(found.language ? { language: found.language } : {}),
      ...(review ? { lastReviewAt: review.toISOString() } : {}),
    };
    const since = review ? `since the review of ${review.toISOString()}` : 'never reviewed';
    const summary = `${found.path}: ${box.exists} messages, ${arrivals24h} in the last 24 h, ${unreviewed} unreviewed (${since})`;
    if (unreviewed > limit) {
      return finish({
        status: 'WARN',
        summary: `${summary}, above ${limit}`,
        metrics,
        details,
        remediation: {
          cause: `${unreviewed} messages in ${found.path} have not been reviewed; customer mails may be among them`,
          fix: `review ${found.path} and move legitimate mails to ${ctx.mailbox.folders.inbox} (the weekly spam-review digest lists them)`,
        },
      });
    }
    return finish({ status: 'OK', summary, metrics, details });
  } catch (err) {
    return finish(failureParts('IMAP', err, ctx.mailbox, stage, { details: { stage } }));
  }
};
