/** dispatchChecks — timer (%CHECK_SCHEDULE%, UTC): one message per mailbox onto `mailbox-checks`. */
import { app, output, type InvocationContext, type Timer } from '@azure/functions';
import { CHECK_QUEUE } from '../shared/cycle/check-run.js';
import { dispatchMessages } from '../shared/cycle/dispatch.js';
import { CHECK_QUEUE_CONNECTION, processDeps, type GetDeps } from './runtime.js';

export const checkQueueOutput = output.storageQueue({
  queueName: CHECK_QUEUE,
  connection: CHECK_QUEUE_CONNECTION,
});

export function makeDispatchChecks(getDeps: GetDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const deps = await getDeps(context);
    // A past-due run (the host was down at the scheduled time) still dispatches, once.
    if (timer.isPastDue) deps.logger.warn('dispatchChecks is running late (past due); dispatching now');
    const messages = dispatchMessages(deps.config, deps.clock.now());
    context.extraOutputs.set(checkQueueOutput, messages);
    deps.logger.info(`dispatched ${messages.length} mailbox check(s)`);
  };
}

app.timer('dispatchChecks', {
  schedule: '%CHECK_SCHEDULE%',
  extraOutputs: [checkQueueOutput],
  handler: makeDispatchChecks(processDeps),
});
