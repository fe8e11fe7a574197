/** poisonAlert — queue trigger on `mailbox-checks-poison`: the host gave up on a check message; alert on it. */
import { app, type InvocationContext } from '@azure/functions';
import { POISON_QUEUE } from '../shared/cycle/check-run.js';
import { raisePoison, type PoisonOutcome } from '../shared/cycle/poison.js';
import { CHECK_QUEUE_CONNECTION, processDeps, type GetDeps } from './runtime.js';

export function makePoisonAlert(getDeps: GetDeps) {
  return async (message: unknown, context: InvocationContext): Promise<PoisonOutcome> => {
    const deps = await getDeps(context);
    const dequeue = Number(context.triggerMetadata?.dequeueCount);
    try {
      const outcome = await raisePoison(
        deps,
        message,
        Number.isFinite(dequeue) && dequeue > 0 ? dequeue : undefined,
      );
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
