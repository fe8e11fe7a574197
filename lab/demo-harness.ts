/**
 * Runs the Function App's real handlers outside the Functions host, the way the host would: an InvocationContext
 * per invocation, the dispatch timer's queue output moved onto a real (Azurite) queue, and each message received,
 * handed to checkMailbox with its dequeue count, and deleted only when the handler returned. Used by the demo and
 * by the handler tests.
 */
import { randomUUID } from 'node:crypto';
import azureFunctions, { type InvocationContext, type Timer } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import type { CheckQueue } from '../src/functions/check-queue.js';

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

export function timerTick(isPastDue = false): Timer {
  const now = new Date().toISOString();
  return {
    isPastDue,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: now, next: now, lastUpdated: now },
  };
}

/**
 * A storage queue on Azurite, encoded as the host encodes (base64, host.json `messageEncoding`). It is also the
 * CheckQueue dispatchChecks writes to (with each message's initial invisibility); `sent` keeps what was sent.
 */
export class HostQueue implements CheckQueue {
  readonly client: QueueClient;
  readonly sent: Array<{ message: unknown; delaySeconds: number }> = [];
  constructor(connectionString: string, name: string) {
    // Azurite speaks plain http on loopback; production uses https with the managed identity.
    this.client = new QueueClient(connectionString, name, { allowInsecureConnection: true } as never);
  }
  async ensure(): Promise<void> {
    await this.client.createIfNotExists();
  }
  async send(items: ReadonlyArray<{ message: unknown; delaySeconds: number }>): Promise<void> {
    for (const { message, delaySeconds } of items) {
      await this.client.sendMessage(
        Buffer.from(JSON.stringify(message)).toString('base64'),
        delaySeconds > 0 ? { visibilityTimeout: delaySeconds } : {},
      );
      this.sent.push({ message, delaySeconds });
    }
  }
  /**
   * Receives up to `max` messages and hands each to `handle` (parsed JSON, dequeue count); deletes a message only
   * when `handle` resolved, as the host does. Returns how many were handled.
   */
  async drain(
    handle: (body: unknown, dequeueCount: number) => Promise<void>,
    max = 32,
  ): Promise<{ handled: number; failed: number }> {
    let handled = 0;
    let failed = 0;
    const { receivedMessageItems } = await this.client.receiveMessages({
      numberOfMessages: Math.min(max, 32),
      visibilityTimeout: 120,
    });
    for (const item of receivedMessageItems) {
      const body = JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')) as unknown;
      try {
        await handle(body, item.dequeueCount);
        await this.client.deleteMessage(item.messageId, item.popReceipt);
        handled++;
      } catch {
        failed++;
      }
    }
    return { handled, failed };
  }
}
