/**
 * dispatchChecks — timer (%CHECK_SCHEDULE%, UTC): one message per mailbox onto `mailbox-checks`, once per schedule
 * slot, each visible after its share of the dispatch spread (CHECK_SPREAD_SECONDS), so the cycle's logins are
 * spread out.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { readAppSettings } from '../shared/config/app-settings.js';
import { CHECK_QUEUE } from '../shared/cycle/check-run.js';
import { dispatchSlot } from '../shared/cycle/dispatch.js';
import { slotOf } from '../shared/cycle/schedule-slot.js';
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

export interface DispatchResult {
  status: 'dispatched' | 'already-done';
  /** The schedule slot served (UTC, to the second). */
  slot: string;
  dispatched: number;
  spreadSeconds: number;
}

export function makeDispatchChecks(getDeps: GetDeps, options: DispatchOptions = processDispatch) {
  return async (timer: Timer, context: InvocationContext): Promise<DispatchResult> => {
    const deps = await getDeps(context);
    const { slot, source } = slotOf(timer, deps.clock.now());
    const outcome = await dispatchSlot(deps, slot);
    const spreadSeconds = options.spreadSeconds();
    if (outcome.status === 'already-done') {
      // The host's catch-up run of a slot dispatched before it restarted: those checks are queued already.
      deps.logger.info(
        `dispatchChecks: slot ${outcome.slot} already dispatched (${outcome.doneBy}); nothing sent` +
          (timer.isPastDue ? ' (past-due catch-up run)' : ''),
      );
      return { status: outcome.status, slot: outcome.slot, dispatched: 0, spreadSeconds };
    }
    if (timer.isPastDue)
      deps.logger.warn(`dispatchChecks: slot ${outcome.slot} was missed; dispatching it now, once`);
    const { messages } = outcome;
    const delays = spreadDelays(messages.length, spreadSeconds);
    await (await options.queue()).send(messages.map((message, i) => ({ message, delaySeconds: delays[i]! })));
    deps.logger.info(
      `dispatched ${messages.length} mailbox check(s) for slot ${outcome.slot} (${source}) over ${spreadSeconds} s`,
    );
    return { status: outcome.status, slot: outcome.slot, dispatched: messages.length, spreadSeconds };
  };
}

const handler = makeDispatchChecks(processDeps);

app.timer('dispatchChecks', {
  schedule: '%CHECK_SCHEDULE%',
  handler: async (timer, context) => {
    await handler(timer, context);
  },
});
