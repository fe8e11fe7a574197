/** checkMailbox — queue trigger on `mailbox-checks`: one mailbox run (lease, checks, state, alerts, telemetry). */
import { app, type InvocationContext } from '@azure/functions';
import { CHECK_QUEUE, runCheckMessage, type CheckRunOutcome } from '../shared/cycle/check-run.js';
import { worstStatus } from '../shared/contracts.js';
import { CHECK_QUEUE_CONNECTION, processDeps, type GetDeps } from './runtime.js';

export function makeCheckMailbox(getDeps: GetDeps) {
  // Throws (so the host retries, then poisons) only when the state store or another dependency failed.
  return async (message: unknown, context: InvocationContext): Promise<CheckRunOutcome> => {
    const deps = await getDeps(context);
    try {
      const outcome = await runCheckMessage(deps, message, context.invocationId);
      if (outcome.status === 'done') {
        deps.logger.info(
          `mailbox ${outcome.mailboxId}: ${worstStatus(outcome.results.map((r) => r.status))}` +
            ` (${outcome.notify.changes.length} alert change(s))`,
        );
      } else deps.logger.info(`check message: ${outcome.status}`);
      return outcome;
    } finally {
      await deps.sink.flush();
    }
  };
}

const handler = makeCheckMailbox(processDeps);

app.storageQueue('checkMailbox', {
  queueName: CHECK_QUEUE,
  connection: CHECK_QUEUE_CONNECTION,
  handler: async (message, context) => {
    await handler(message, context);
  },
});
