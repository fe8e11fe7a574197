/** The weekly spam review: what the Function App's `spamReview` timer and the demo import. */
export { runSpamReview } from './run.js';
export type { DigestMail, DigestSender, ReviewStage, SpamReviewDeps, SpamReviewOutcome } from './run.js';
export { collectReview, MAX_MAIL_STRING } from './collect.js';
export type { CollectInput, CollectOptions, CollectOutcome } from './collect.js';
export { REVIEW_ROW_KEY, reviewStoreFrom, reviewStoreFromTable } from './store-adapter.js';
export { hintsFor, isReplySubject } from './hints.js';
export {
  ANTISPAM_HEADER_FIELDS,
  isDangerous,
  microsoftVerdict,
  senderAuthenticated,
  verdictWords,
} from './microsoft-verdict.js';
export type { MicrosoftVerdict, VerdictKind } from './microsoft-verdict.js';
export { isoWeekLabel, lastWeeks, mergeWeekly, weekKey, weekStart } from './weeks.js';
export * from './types.js';
