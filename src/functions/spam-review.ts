/** spamReview — timer (%SPAM_REVIEW_SCHEDULE%, Monday 07:00 UTC shipped): one digest per mailbox to its reviewers. */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { slotOf } from '../shared/cycle/schedule-slot.js';
import { runSpamReviews, type ReviewRunOutcome } from '../shared/cycle/spam-review-run.js';
import { processDeps, type GetDeps } from './runtime.js';

export function makeSpamReview(getDeps: GetDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<ReviewRunOutcome[]> => {
    const deps = await getDeps(context);
    const { slot } = slotOf(timer, deps.clock.now());
    const outcomes = await runSpamReviews(deps, { slot, executionId: context.invocationId });
    for (const o of outcomes) {
      if (o.status === 'already-done')
        deps.logger.info(
          `spam review ${o.mailbox}: slot ${o.slot} already done (${o.doneBy}); nothing sent` +
            (timer.isPastDue ? ' (past-due catch-up run)' : ''),
        );
      else deps.logger.info(`spam review ${o.mailbox}: ${o.status}`);
    }
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
