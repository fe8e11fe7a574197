/** The lab's Azurite is real Table Storage semantics: etags guard updates (412 on a stale one), queues work. */
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { describe, expect, it } from 'vitest';
import { lab } from '../helpers/lab.js';

describe('lab Azurite', () => {
  const l = lab();
  const az = l.endpoints.azurite!;

  it('returns 412 on updateEntity with a stale etag', async () => {
    const table = TableClient.fromConnectionString(
      az.connectionString,
      `t${l.unique('lab').replace('-', '')}`,
      {
        allowInsecureConnection: true,
      },
    );
    await table.createTable();
    await table.createEntity({ partitionKey: 'mbx', rowKey: 'lease', owner: 'a' });
    const first = await table.getEntity('mbx', 'lease');
    await table.updateEntity({ partitionKey: 'mbx', rowKey: 'lease', owner: 'b' }, 'Replace', {
      etag: first.etag,
    });
    const err = await table
      .updateEntity({ partitionKey: 'mbx', rowKey: 'lease', owner: 'c' }, 'Replace', { etag: first.etag })
      .catch((e: unknown) => e);
    expect((err as { statusCode?: number }).statusCode).toBe(412);
    expect((await table.getEntity<{ owner: string }>('mbx', 'lease')).owner).toBe('b');
    await table.deleteTable();
  });

  it('queues send and receive', async () => {
    const svc = QueueServiceClient.fromConnectionString(az.connectionString);
    const q = svc.getQueueClient(l.unique('q'));
    await q.create();
    await q.sendMessage('hello');
    const got = await q.receiveMessages();
    expect(got.receivedMessageItems[0]?.messageText).toBe('hello');
    await q.delete();
  });
});
