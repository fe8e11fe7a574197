/** dispatchChecks — timer (%CHECK_SCHEDULE%, UTC): one message per mailbox onto `mailbox-checks`, once per slot. */
import { app, output, type InvocationContext, type Timer } from '@azure/functions';
import { CHECK_QUEUE } from '../shared/cycle/check-run.js';
import { dispatchSlot, type DispatchOutcome } from '../shared/cycle/dispatch.js';
import { slotOf } from '../shared/cycle/schedule-slot.js';
import { CHECK_QUEUE_CONNECTION, processDeps, type GetDeps } from './runtime.js';

export const checkQueueOutput = output.storageQueue({
  queueName: CHECK_QUEUE,
  connection: CHECK_QUEUE_CONNECTION,
});

export function makeDispatchChecks(getDeps: GetDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<DispatchOutcome> => {
    const deps = await getDeps(context);
    const { slot, source } = slotOf(timer, deps.clock.now());
    const outcome = await dispatchSlot(deps, slot);
    if (outcome.status === 'already-done') {
      // The host's catch-up run of a slot that was dispatched before it restarted: the checks are queued already.
      deps.logger.info(
        `dispatchChecks: slot ${outcome.slot} already dispatched (${outcome.doneBy}); nothing sent` +
          (timer.isPastDue ? ' (past-due catch-up run)' : ''),
      );
      return outcome;
    }
    if (timer.isPastDue)
      deps.logger.warn(`dispatchChecks: slot ${outcome.slot} was missed; dispatching it now, once`);
    context.extraOutputs.set(checkQueueOutput, outcome.messages);
    deps.logger.info(
      `dispatched ${outcome.messages.length} mailbox check(s) for slot ${outcome.slot} (${source})`,
    );
    return outcome;
  };
}

const handler = makeDispatchChecks(processDeps);

app.timer('dispatchChecks', {
  schedule: '%CHECK_SCHEDULE%',
  extraOutputs: [checkQueueOutput],
  handler: async (timer, context) => {
    await handler(timer, context);
  },
});
