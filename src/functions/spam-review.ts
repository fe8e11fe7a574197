/** spamReview — timer (%SPAM_REVIEW_SCHEDULE%, Monday 07:00 UTC shipped): one digest per mailbox to its reviewers. */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { runSpamReviews, type ReviewRunOutcome } from '../shared/cycle/spam-review-run.js';
import { processDeps, type GetDeps } from './runtime.js';

export function makeSpamReview(getDeps: GetDeps) {
  return async (_timer: Timer, context: InvocationContext): Promise<ReviewRunOutcome[]> => {
    const deps = await getDeps(context);
    const runId = `review-${deps.clock.now().toISOString().slice(0, 16)}Z-${context.invocationId}`;
    const outcomes = await runSpamReviews(deps, runId);
    for (const o of outcomes) deps.logger.info(`spam review ${o.mailbox}: ${o.status}`);
    return outcomes;
  };
}

const handler = makeSpamReview(processDeps);

app.timer('spamReview', {
  schedule: '%SPAM_REVIEW_SCHEDULE%',
  handler: async (timer, context) => {
    await handler(timer, context);
  },
});
