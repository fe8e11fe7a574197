/**
 * Runs the Function App's real handlers outside the Functions host, the way the host would: an InvocationContext
 * per invocation, the dispatch timer's queue output moved onto a real (Azurite) queue, and each message received,
 * handed to checkMailbox with its dequeue count, and deleted only when the handler returned. Used by the demo and
 * by the handler tests.
 */
import { randomUUID } from 'node:crypto';
import azureFunctions, { type InvocationContext, type Timer } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { encodeQueueText, type CheckQueue } from '../src/functions/check-queue.js';
import { MAX_DEQUEUE_COUNT, MESSAGE_ENCODING } from '../src/functions/host-settings.js';

export function invocation(
  functionName: string,
  triggerMetadata: Record<string, unknown> = {},
): InvocationContext {
  // A CommonJS package whose class export Node cannot name statically: reach it through the default export.
  return new azureFunctions.InvocationContext({
    invocationId: randomUUID(),
    functionName,
    triggerMetadata,
    // The host's log lines are not the demo's output; the core logs through the deps' logger.
    logHandler: () => {},
  });
}

/**
 * A timer invocation as the host builds it: `scheduleStatus` is the status recorded before this run, so `next` is
 * the occurrence being served (`slot`, default now); a past-due run after a restart serves a missed one.
 */
export function timerTick(isPastDue = false, slot: Date = new Date()): Timer {
  const next = slot.toISOString();
  const last = new Date(slot.getTime() - 7 * 24 * 3600_000).toISOString();
  return {
    isPastDue,
    schedule: { adjustForDST: false },
    scheduleStatus: { last, next, lastUpdated: last },
  };
}

/** Strict base64, as the host's .NET decoder reads it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What the host hands a JavaScript handler: the message parsed when it is JSON, else the text. */
function asHandedOver(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface DrainResult {
  handled: number;
  failed: number;
  /** Moved to `<queue>-poison`, as the host does after maxDequeueCount failures or a failed decode. */
  poisoned: number;
}

/**
 * A storage queue on Azurite, used as the Functions host uses it (host.json `extensions.queues`): bodies encoded
 * per `messageEncoding`; a message delivered `maxDequeueCount` times without success, or one the host cannot
 * decode, copied as is to `<queue>-poison` and deleted. It is also the CheckQueue dispatchChecks writes to (with
 * each message's initial invisibility); `sent` keeps what was sent.
 */
export class HostQueue implements CheckQueue {
  readonly client: QueueClient;
  readonly poison: QueueClient;
  readonly sent: Array<{ message: unknown; delaySeconds: number }> = [];
  constructor(connectionString: string, name: string) {
    // Azurite speaks plain http on loopback; production uses https with the managed identity.
    const options = { allowInsecureConnection: true } as never;
    this.client = new QueueClient(connectionString, name, options);
    this.poison = new QueueClient(connectionString, `${name}-poison`, options);
  }
  async ensure(): Promise<void> {
    await this.client.createIfNotExists();
    await this.poison.createIfNotExists();
  }
  async send(items: ReadonlyArray<{ message: unknown; delaySeconds: number }>): Promise<void> {
    for (const { message, delaySeconds } of items) {
      await this.client.sendMessage(
        encodeQueueText(JSON.stringify(message)),
        delaySeconds > 0 ? { visibilityTimeout: delaySeconds } : {},
      );
      this.sent.push({ message, delaySeconds });
    }
  }
  /** Puts text on the queue exactly as given (what a stray producer would write). */
  async sendRaw(text: string): Promise<void> {
    await this.client.sendMessage(text);
  }
  /**
   * Receives up to `max` messages and hands each to `handle` (as the host hands it, with its dequeue count and
   * insertion time); deletes a message only when `handle` resolved; poisons as the host does. A failed message
   * becomes visible again after `retryAfterSeconds`.
   */
  async drain(
    handle: (body: unknown, meta: { dequeueCount: number; insertionTime: Date }) => Promise<void>,
    options: { max?: number; retryAfterSeconds?: number } = {},
  ): Promise<DrainResult> {
    const out: DrainResult = { handled: 0, failed: 0, poisoned: 0 };
    const { receivedMessageItems } = await this.client.receiveMessages({
      numberOfMessages: Math.min(options.max ?? 32, 32),
      visibilityTimeout: options.retryAfterSeconds ?? 120,
    });
    for (const item of receivedMessageItems) {
      const toPoison = async () => {
        await this.poison.sendMessage(item.messageText);
        await this.client.deleteMessage(item.messageId, item.popReceipt);
        out.poisoned++;
      };
      let text = item.messageText;
      if (MESSAGE_ENCODING === 'base64') {
        if (!BASE64.test(text)) {
          await toPoison();
          continue;
        }
        text = Buffer.from(text, 'base64').toString('utf8');
      }
      try {
        await handle(asHandedOver(text), {
          dequeueCount: item.dequeueCount,
          insertionTime: item.insertedOn ?? new Date(),
        });
        await this.client.deleteMessage(item.messageId, item.popReceipt);
        out.handled++;
      } catch {
        out.failed++;
        if (item.dequeueCount >= MAX_DEQUEUE_COUNT) await toPoison();
      }
    }
    return out;
  }
}
