/**
 * One mailbox's weekly spam review, as the Function App's `spamReview` timer runs it (under the mailbox's lease,
 * which keeps it from overlapping a check run: one IMAP connection per mailbox). Steps: read the review record →
 * token → one read-only IMAP session (closed in `finally` when this run opened it) → collect → render → send to the
 * reviewers → record the review time and the weekly counts.
 *
 * Returns a value for every outcome; only bugs throw. The review time advances only when the digest was sent, so a
 * failed send keeps "new since the last review" honest next time; the weekly counts are recorded regardless.
 */
import type { Clock } from '../clock.js';
import type { MailboxConfig } from '../config/load.js';
import type { Remediation } from '../contracts.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ImapSessionPort } from '../mail/ports.js';
import type { TokenSource } from '../auth/ports.js';
import { renderDigest, type Digest } from './digest.js';
import { cleanText } from '../report/escape.js';
import type { LinkIssuer } from '../actions/issue.js';
import type { ActionEntity } from '../state/ports.js';
import { collectReview, type CollectOptions } from './collect.js';
import { digestActions, releaseViews } from './digest-actions.js';
import type { ReviewCollection, ReviewRecord, ReviewStore } from './types.js';

export interface DigestMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** Sends one mail (the Function App wires the email channel's OAuth2 SMTP sender; the demo writes .eml files). */
export type DigestSender = (mail: DigestMail) => Promise<void>;

export interface SpamReviewDeps {
  mailbox: MailboxConfig;
  tokens: TokenSource;
  imap: ImapSessionPort;
  store: ReviewStore;
  send: DigestSender;
  clock: Clock;
  logger?: Logger;
  /** Recipients; defaults to the mailbox's `reviewers`. */
  recipients?: string[];
  signal?: AbortSignal;
  /** Signs the digest's "Move to Inbox" links; absent: no buttons. */
  links?: LinkIssuer;
  /** Releases done since a time (the `actions` audit rows), listed in the digest. */
  releasesSince?: (since: Date) => Promise<ActionEntity[]>;
  collectOptions?: CollectOptions;
}

export type ReviewStage = 'state' | 'auth' | 'imap' | 'collect' | 'send';

interface Counts {
  mailbox: string;
  junkCount: number;
  newSinceReview: number;
  listed: number;
  /** Listed messages with at least one "likely legitimate" hint. */
  hinted: number;
}

export type SpamReviewOutcome =
  | (Counts & {
      status: 'sent';
      recipients: string[];
      reviewedAt: string;
      /** false when the record could not be written (the digest did go out). */
      recorded: boolean;
      digest: Digest;
    })
  | (Counts & { status: 'no-reviewers'; recorded: boolean; digest: Digest })
  | {
      status: 'failed';
      mailbox: string;
      stage: ReviewStage;
      code: string;
      /** One line, no secret: our text or the server's reply, cleaned. */
      message: string;
      remediation?: Remediation;
    };

function describeError(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; responseText?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'ERROR';
  // imapflow puts the server's reply in responseText; neither it nor message carries the token.
  const text =
    typeof e?.responseText === 'string'
      ? e.responseText
      : typeof e?.message === 'string'
        ? e.message
        : String(err);
  return { code: cleanText(code, 40), message: cleanText(text, 300) };
}

function counts(c: ReviewCollection): Counts {
  return {
    mailbox: c.mailbox,
    junkCount: c.junkCount,
    newSinceReview: c.newSinceReview,
    listed: c.listed.length,
    hinted: c.listed.filter((i) => i.hints.length > 0).length,
  };
}

export async function runSpamReview(deps: SpamReviewDeps): Promise<SpamReviewOutcome> {
  const { mailbox, clock } = deps;
  const logger = deps.logger ?? silentLogger;
  const failed = (
    stage: ReviewStage,
    code: string,
    message: string,
    remediation?: Remediation,
  ): SpamReviewOutcome => {
    logger.warn('spam review failed', { mailbox: mailbox.id, stage, code, message });
    return {
      status: 'failed',
      mailbox: mailbox.id,
      stage,
      code,
      message,
      ...(remediation ? { remediation } : {}),
    };
  };

  let previous: ReviewRecord | undefined;
  try {
    previous = await deps.store.get(mailbox.id);
  } catch (err) {
    const d = describeError(err);
    return failed('state', d.code, d.message);
  }

  let collection: ReviewCollection;
  const existing = deps.imap.client();
  // Reuse a session someone else opened (and leave it to them to close); otherwise open and close our own.
  const reuse = existing?.usable === true;
  try {
    let client = reuse ? existing : undefined;
    if (!client) {
      const token = await deps.tokens.acquire(deps.signal);
      if (!token.ok) {
        const f = token.failure;
        return failed('auth', f.code, cleanText(f.message, 300), f.remediation);
      }
      try {
        client = await deps.imap.open(token.grant.accessToken);
      } catch (err) {
        const d = describeError(err);
        return failed('imap', d.code, d.message);
      }
    }
    try {
      const outcome = await collectReview({
        client,
        mailbox,
        clock,
        ...(previous ? { previous } : {}),
        ...(deps.collectOptions ? { options: deps.collectOptions } : {}),
      });
      if (!outcome.ok) {
        return failed('collect', outcome.code, outcome.message, {
          cause: 'the server advertises no SPECIAL-USE \\Junk folder and no folder has a configured name',
          fix: 'set folders.junk to the Junk folder name in the mailbox language (e.g. "Junk-E-Mail")',
        });
      }
      collection = outcome.collection;
    } catch (err) {
      const d = describeError(err);
      return failed('imap', d.code, d.message);
    }
  } finally {
    if (!reuse) await deps.imap.close().catch(() => undefined);
  }

  // Last week's releases: since the last review, or the last 7 days when there was none.
  const since = previous?.lastReviewAt
    ? new Date(previous.lastReviewAt)
    : new Date(clock.now().getTime() - 7 * 86_400_000);
  const released = deps.releasesSince
    ? await deps.releasesSince(since).catch((err: unknown) => {
        logger.warn('spam review: releases not read', { mailbox: mailbox.id, ...describeError(err) });
        return [];
      })
    : [];
  const actions = digestActions(deps.links, collection, mailbox.folders.inbox);
  const digest = renderDigest({
    collection,
    mailboxAddress: mailbox.address,
    fetchedFolder: mailbox.folders.inbox,
    ...(actions ? { actions } : {}),
    releases: releaseViews(released),
  });
  const record = async (reviewedAt: string | undefined): Promise<boolean> => {
    const next: ReviewRecord = { weeklyJunk: collection.weekly };
    const at = reviewedAt ?? previous?.lastReviewAt;
    if (at) next.lastReviewAt = at;
    try {
      await deps.store.put(mailbox.id, next);
      return true;
    } catch (err) {
      logger.warn('spam review record not saved', { mailbox: mailbox.id, ...describeError(err) });
      return false;
    }
  };

  const recipients = [...new Set(deps.recipients ?? mailbox.reviewers)];
  if (recipients.length === 0) {
    logger.info('spam review: no reviewers configured', { mailbox: mailbox.id });
    return { status: 'no-reviewers', ...counts(collection), recorded: await record(undefined), digest };
  }
  try {
    await deps.send({ to: recipients, subject: digest.subject, text: digest.text, html: digest.html });
  } catch (err) {
    await record(undefined);
    const d = describeError(err);
    return failed('send', d.code, d.message);
  }
  // The review covers what was collected: a message arriving after collection is "new" at the next review.
  const reviewedAt = collection.collectedAt;
  const recorded = await record(reviewedAt);
  logger.info('spam review sent', {
    mailbox: mailbox.id,
    recipients: recipients.length,
    junk: collection.junkCount,
  });
  return { status: 'sent', ...counts(collection), recipients, reviewedAt, recorded, digest };
}
