/**
 * dispatchChecks — timer (%CHECK_SCHEDULE%, UTC): one message per mailbox onto `mailbox-checks`, each visible
 * after its share of the dispatch spread (CHECK_SPREAD_SECONDS), so the cycle's logins are spread out.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { readAppSettings } from '../shared/config/app-settings.js';
import { CHECK_QUEUE } from '../shared/cycle/check-run.js';
import { dispatchMessages } from '../shared/cycle/dispatch.js';
import { spreadDelays } from '../shared/cycle/spread.js';
import { createCheckQueue, type CheckQueue } from './check-queue.js';
import { processDeps, type GetDeps } from './runtime.js';

export interface DispatchOptions {
  queue: () => Promise<CheckQueue>;
  spreadSeconds: () => number;
}

let processQueue: Promise<CheckQueue> | undefined;

/** The queue and spread from the app settings, the queue client built once per warm process. */
export const processDispatch: DispatchOptions = {
  queue: () =>
    (processQueue ??= createCheckQueue(readAppSettings(process.env), CHECK_QUEUE).catch((err: unknown) => {
      processQueue = undefined;
      throw err;
    })),
  spreadSeconds: () => readAppSettings(process.env).dispatchSpreadSeconds ?? 0,
};

export function makeDispatchChecks(getDeps: GetDeps, options: DispatchOptions = processDispatch) {
  return async (
    timer: Timer,
    context: InvocationContext,
  ): Promise<{ dispatched: number; spreadSeconds: number }> => {
    const deps = await getDeps(context);
    // A past-due run (the host was down at the scheduled time) still dispatches, once.
    if (timer.isPastDue) deps.logger.warn('dispatchChecks is running late (past due); dispatching now');
    const messages = dispatchMessages(deps.config, deps.clock.now());
    const spreadSeconds = options.spreadSeconds();
    const delays = spreadDelays(messages.length, spreadSeconds);
    await (await options.queue()).send(messages.map((message, i) => ({ message, delaySeconds: delays[i]! })));
    deps.logger.info(`dispatched ${messages.length} mailbox check(s) over ${spreadSeconds} s`);
    return { dispatched: messages.length, spreadSeconds };
  };
}

const handler = makeDispatchChecks(processDeps);

app.timer('dispatchChecks', {
  schedule: '%CHECK_SCHEDULE%',
  handler: async (timer, context) => {
    await handler(timer, context);
  },
});
