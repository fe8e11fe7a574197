/**
 * The state module's `review` table (PK mailbox, RK `spam`, value `ReviewEntity`) as a `ReviewStore`. Writes go
 * through `updateWithRetry` (etag-guarded): the mailbox lease already keeps a second review out, but a write that
 * lost a race must still never overwrite blindly.
 */
import { updateWithRetry } from '../state/optimistic.js';
import type { ReviewEntity, StateStore, TablePort } from '../state/ports.js';
import type { ReviewRecord, ReviewStore } from './types.js';

export const REVIEW_ROW_KEY = 'spam';

export function reviewStoreFromTable(table: TablePort<ReviewEntity>): ReviewStore {
  return {
    async get(mailbox) {
      const row = await table.get(mailbox, REVIEW_ROW_KEY);
      if (!row) return undefined;
      const record: ReviewRecord = { weeklyJunk: [...(row.value.weeklyJunk ?? [])] };
      if (row.value.lastReviewAt) record.lastReviewAt = row.value.lastReviewAt;
      return record;
    },
    async put(mailbox, record) {
      const value: ReviewEntity = { weeklyJunk: record.weeklyJunk.map((w) => ({ ...w })) };
      if (record.lastReviewAt) value.lastReviewAt = record.lastReviewAt;
      await updateWithRetry(table, mailbox, REVIEW_ROW_KEY, () => value);
    },
  };
}

export function reviewStoreFrom(state: Pick<StateStore, 'review'>): ReviewStore {
  return reviewStoreFromTable(state.review);
}
