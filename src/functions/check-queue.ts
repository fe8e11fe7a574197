/**
 * The `mailbox-checks` queue as dispatchChecks writes it: through the Storage SDK rather than the output binding,
 * because only `sendMessage` can give a message an initial visibility delay (the dispatch spread). Messages are
 * JSON, encoded as host.json `messageEncoding` tells the queue trigger to read them (host-settings.ts). The SDK (and `@azure/identity`
 * for the managed identity) is imported the first time a cycle is dispatched.
 */
import type { AppSettings } from '../shared/config/app-settings.js';
import type { CheckMessage } from '../shared/cycle/check-run.js';
import { MESSAGE_ENCODING } from './host-settings.js';

/** A message body as the queue trigger will read it back (host.json `extensions.queues.messageEncoding`). */
export function encodeQueueText(text: string): string {
  return MESSAGE_ENCODING === 'base64' ? Buffer.from(text).toString('base64') : text;
}

export interface CheckQueue {
  /** Sends every message with its initial invisibility in seconds; resolves when all are on the queue. */
  send(items: ReadonlyArray<{ message: CheckMessage; delaySeconds: number }>): Promise<void>;
}

/** How many sends are in flight at once: a thousand sequential round trips would take most of a minute. */
const PARALLEL_SENDS = 16;

export async function createCheckQueue(settings: AppSettings, queueName: string): Promise<CheckQueue> {
  const target = settings.checkQueue;
  if (!target) {
    throw new Error(
      'no queue storage: set AzureWebJobsStorage__accountName (identity) or AzureWebJobsStorage (connection string)',
    );
  }
  const { QueueClient, QueueServiceClient } = await import('@azure/storage-queue');
  let client: InstanceType<typeof QueueClient>;
  if ('connectionString' in target) {
    // Azurite speaks plain http on loopback; in Azure the host storage is reached by identity over https.
    const local = /UseDevelopmentStorage=true|=http:\/\//i.test(target.connectionString);
    client = new QueueClient(
      target.connectionString,
      queueName,
      local ? ({ allowInsecureConnection: true } as never) : {},
    );
  } else {
    const { DefaultAzureCredential } = await import('@azure/identity');
    const credential = new DefaultAzureCredential(
      target.clientId ? { managedIdentityClientId: target.clientId } : {},
    );
    client = new QueueServiceClient(target.serviceUrl, credential).getQueueClient(queueName);
  }
  return {
    async send(items) {
      let next = 0;
      const worker = async () => {
        while (next < items.length) {
          const item = items[next++]!;
          const text = encodeQueueText(JSON.stringify(item.message));
          await client.sendMessage(
            text,
            item.delaySeconds > 0 ? { visibilityTimeout: item.delaySeconds } : {},
          );
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_SENDS, items.length) }, worker));
    },
  };
}
