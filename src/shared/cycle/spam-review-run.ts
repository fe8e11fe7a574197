/**
 * spamReview (weekly timer): for each mailbox, under the mailbox's lease — the same lease a check run takes, which
 * is how a review and a check never hold two IMAP connections to one mailbox — collect the Junk folder, render the
 * digest and send it from the alert sender mailbox (OAuth2 SMTP) to the mailbox's reviewers. Each mailbox's digest
 * goes out once per schedule slot (schedule-slot.ts): the host's catch-up run after a restart sends nothing twice,
 * and a run that stopped half-way leaves the remaining mailboxes to the next run of the same slot.
 */
import { createLinkIssuer } from '../actions/issue.js';
import { releasesSince } from '../actions/record.js';
import type { Channel } from '../alerts/channels/types.js';
import { createDeadline } from '../deadline.js';
import type { MailboxConfig } from '../config/load.js';
import { runSpamReview, type DigestSender, type SpamReviewOutcome } from '../review/run.js';
import { reviewStoreFrom } from '../review/store-adapter.js';
import { releaseLease } from '../state/lease.js';
import { takeMailboxLease } from './mailbox-lease.js';
import { tokenSourceFor, type CycleDeps } from './deps.js';
import { claimSlot, slotKey, type SlotClaim } from './schedule-slot.js';

export type ReviewRunOutcome =
  | SpamReviewOutcome
  | { status: 'busy'; mailbox: string; holder: string }
  | { status: 'no-sender'; mailbox: string }
  /** This mailbox's digest for this slot (or a later one) was sent already: a catch-up run sends nothing. */
  | { status: 'already-done'; mailbox: string; slot: string; doneSlot: string; doneBy: string };

export const SPAM_REVIEW_TIMER = 'spamReview';

/** One spamReview execution: the schedule slot it serves and the host's invocation id. */
export interface ReviewRun {
  slot: Date;
  executionId: string;
}

/** Sends a digest through the e-mail channel (the same OAuth2 SMTP path, Sent Items and quota as alerts). */
export function digestSenderOf(channel: Channel, mailbox: MailboxConfig, at: Date): DigestSender {
  return (mail) =>
    channel.send({
      input: { mailboxId: mailbox.id, address: mailbox.address, changes: [], at },
      rendered: { subject: mail.subject, text: mail.text, html: mail.html },
      recipients: mail.to,
    });
}

export async function reviewMailbox(
  deps: CycleDeps,
  mailbox: MailboxConfig,
  run: ReviewRun,
): Promise<ReviewRunOutcome> {
  const email = deps.channels?.email;
  if (!email) {
    deps.logger.warn('spam review needs alerts.email (the sender mailbox) to send the digest', {
      mailbox: mailbox.id,
    });
    return { status: 'no-sender', mailbox: mailbox.id };
  }
  const runId = `review-${slotKey(run.slot)}`;
  const holder = `review:${slotKey(run.slot)}:${run.executionId}`;
  const now = deps.clock.now();
  const lease = await takeMailboxLease(deps.store, mailbox, holder, now);
  if (!lease.ok) return { status: 'busy', mailbox: mailbox.id, holder: lease.holder };
  // Claimed under the lease, before anything is sent: a second run of this slot finds it taken.
  let claim: SlotClaim;
  try {
    claim = await claimSlot(deps.store, SPAM_REVIEW_TIMER, mailbox.id, run.slot, runId, now);
  } catch (err) {
    await releaseLease(deps.store, mailbox.id, holder).catch(() => undefined);
    throw err;
  }
  if (!claim.ok) {
    await releaseLease(deps.store, mailbox.id, holder).catch(() => undefined);
    return {
      status: 'already-done',
      mailbox: mailbox.id,
      slot: claim.slot,
      doneSlot: claim.doneSlot,
      doneBy: claim.doneBy,
    };
  }
  const deadline = createDeadline(deps.clock, mailbox.deadlineSeconds * 1000);
  const links = createLinkIssuer(deps.actionLinks, deps.clock);
  const imap = deps.imap(mailbox, deadline, deps.logger);
  try {
    const outcome = await runSpamReview({
      mailbox,
      tokens: tokenSourceFor(deps, mailbox, deadline),
      imap,
      // Etag-checked writes (review/store-adapter.ts): a write that lost a race never overwrites blindly.
      store: reviewStoreFrom(deps.store),
      send: digestSenderOf(email.channel, mailbox, now),
      clock: deps.clock,
      logger: deps.logger,
      signal: deadline.signal,
      ...(links ? { links } : {}),
      releasesSince: (since) => releasesSince(deps.store, mailbox.id, since),
    });
    // A failed review gives the slot back: a later run of the same slot (a manual run, the catch-up) may retry.
    if (outcome.status === 'failed') await claim.release().catch(() => undefined);
    return outcome;
  } finally {
    await imap.close().catch(() => undefined);
    deadline.dispose();
    await releaseLease(deps.store, mailbox.id, holder).catch(() => undefined);
  }
}

/** All mailboxes, one after another: the review is weekly and small; sequential keeps the sender under 30/min. */
export async function runSpamReviews(deps: CycleDeps, run: ReviewRun): Promise<ReviewRunOutcome[]> {
  const out: ReviewRunOutcome[] = [];
  for (const mailbox of deps.config.mailboxes) out.push(await reviewMailbox(deps, mailbox, run));
  return out;
}
