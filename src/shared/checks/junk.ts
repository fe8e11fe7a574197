/**
 * `junk`: watches the Junk folder the admins are told to review weekly (the vendor's setup guide). Found by SPECIAL-USE `\Junk`
 * when the server advertises SPECIAL-USE, else by name (`folders.junk`, then `junk.names` — Exchange Online
 * advertises no SPECIAL-USE and names the folder in the mailbox language). Opened read-only.
 *
 * Unreviewed = arrivals since `ctx.lastSpamReviewAt`, or every message when no review is known. WARN above
 * `junk.warnUnreviewed`. Metrics: junkMessages, junkArrivals24h, junkUnreviewed.
 * Details: { folder, foundBy: 'config'|'special-use'|'name', lastReviewAt? }.
 */
import type { ImapFlow, ListResponse } from 'imapflow';
import { failureParts } from './mail-context.js';
import { uidSet } from './mail-text.js';
import { skippedResult, startCheck } from './result.js';
import { skipIfBlocked } from './skip.js';
import type { Check, CheckContext } from './types.js';

const DAY_MS = 86_400_000;

type FoundBy = 'config' | 'special-use' | 'name';

export async function findJunkFolder(
  client: ImapFlow,
  ctx: Pick<CheckContext, 'mailbox'>,
): Promise<{ path: string; foundBy: FoundBy } | undefined> {
  const configured = ctx.mailbox.folders.junk;
  const folders: ListResponse[] = await client.list();
  if (configured !== 'auto') {
    const hit = folders.find((f) => f.path === configured);
    return hit ? { path: hit.path, foundBy: 'config' } : undefined;
  }
  if (client.capabilities.has('SPECIAL-USE')) {
    const hit = folders.find((f) => f.specialUse === '\\Junk' && f.specialUseSource === 'extension');
    if (hit) return { path: hit.path, foundBy: 'special-use' };
  }
  for (const name of ctx.mailbox.junk.names) {
    const hit = folders.find(
      (f) => f.path.toLowerCase() === name.toLowerCase() || f.name.toLowerCase() === name.toLowerCase(),
    );
    if (hit) return { path: hit.path, foundBy: 'name' };
  }
  return undefined;
}

export const junkCheck: Check = async (ctx) => {
  const blocked = skipIfBlocked(ctx, 'junk');
  if (blocked) return blocked;
  const client = ctx.imap.client();
  if (!client?.usable) return skippedResult(ctx, 'junk', 'no usable IMAP session');
  const finish = startCheck(ctx, 'junk');
  let stage = 'LIST';
  try {
    const found = await findJunkFolder(client, ctx);
    if (!found) {
      const tried = ctx.mailbox.folders.junk !== 'auto' ? [ctx.mailbox.folders.junk] : ctx.mailbox.junk.names;
      return finish({
        status: 'UNKNOWN',
        details: { code: 'JUNK_NOT_FOUND', fault: 'setup' },
        summary: `Junk folder not found (tried ${tried.join(', ')})`,
        remediation: {
          cause: 'the server advertises no SPECIAL-USE \\Junk folder and no folder has a configured name',
          fix: 'set folders.junk to the Junk folder name in the mailbox language (e.g. "Junk-E-Mail", "Courrier indésirable")',
        },
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
      stage = 'SEARCH SINCE';
      const uids = await client.search({ since: new Date(from.getTime() - DAY_MS) }, { uid: true });
      if (Array.isArray(uids) && uids.length > 0) {
        stage = 'FETCH INTERNALDATE';
        for await (const m of client.fetch(uidSet(uids), { uid: true, internalDate: true }, { uid: true })) {
          const d = m.internalDate instanceof Date ? m.internalDate : new Date(m.internalDate ?? NaN);
          if (d > dayAgo) arrivals24h++;
          if (review && d > review) sinceReview++;
        }
      }
    }
    const unreviewed = review ? sinceReview : box.exists;
    const limit = ctx.mailbox.junk.warnUnreviewed;
    const metrics = { junkMessages: box.exists, junkArrivals24h: arrivals24h, junkUnreviewed: unreviewed };
    const details = {
      folder: found.path,
      foundBy: found.foundBy,
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
