/**
 * The queue settings the code must agree with, read from host.json itself (compiled in at build time), so there is
 * one source of truth: the poison alert counts deliveries with the host's `maxDequeueCount`, and the lab's queue
 * harness encodes and poisons messages the way the host does.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#host-json
 */
import { z } from 'zod';
import hostJson from '../../host.json' with { type: 'json' };

const QueuesSchema = z.object({
  extensions: z.object({
    queues: z.object({
      maxDequeueCount: z.number().int().min(1),
      messageEncoding: z.enum(['base64', 'none']),
    }),
  }),
});

const parsed = QueuesSchema.safeParse(hostJson);
if (!parsed.success)
  throw new Error(
    `host.json: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );

/** How many times the host delivers a queue message before moving it to `<queue>-poison`. */
export const MAX_DEQUEUE_COUNT: number = parsed.data.extensions.queues.maxDequeueCount;
/** How the host encodes queue message bodies (`none`: the text as is; `base64`: base64 of the text). */
export const MESSAGE_ENCODING: 'base64' | 'none' = parsed.data.extensions.queues.messageEncoding;
