/** poisonAlert — queue trigger on `mailbox-checks-poison`: the host gave up on a check message; alert on it. */
import { app, type InvocationContext } from '@azure/functions';
import { CHECK_QUEUE, POISON_QUEUE } from '../shared/cycle/check-run.js';
import { raisePoison, type PoisonOutcome } from '../shared/cycle/poison.js';
import { MAX_DEQUEUE_COUNT } from './host-settings.js';
import { CHECK_QUEUE_CONNECTION, processDeps, type GetDeps } from './runtime.js';

/** The trigger's `insertionTime` on the poison queue: when the host moved the message there. */
function insertedAt(context: InvocationContext): Date | undefined {
  const raw = context.triggerMetadata?.insertionTime;
  if (typeof raw !== 'string' && !(raw instanceof Date)) return undefined;
  const d = new Date(raw);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function makePoisonAlert(getDeps: GetDeps) {
  return async (message: unknown, context: InvocationContext): Promise<PoisonOutcome> => {
    const deps = await getDeps(context);
    // Not the trigger's dequeueCount: that counts deliveries on the poison queue (1 the first time), while the
    // host moved the message here after maxDequeueCount failed deliveries on mailbox-checks.
    const movedAt = insertedAt(context);
    try {
      const outcome = await raisePoison(deps, message, {
        queue: CHECK_QUEUE,
        deliveries: MAX_DEQUEUE_COUNT,
        ...(movedAt ? { movedAt } : {}),
      });
      deps.logger.warn(`poison message: ${outcome.status}`);
      return outcome;
    } finally {
      await deps.sink.flush();
    }
  };
}

const handler = makePoisonAlert(processDeps);

app.storageQueue('poisonAlert', {
  queueName: POISON_QUEUE,
  connection: CHECK_QUEUE_CONNECTION,
  handler: async (message, context) => {
    await handler(message, context);
  },
});
