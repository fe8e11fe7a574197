/**
 * The lab's Azurite, for the integration tests of the Table store. The lab publishes its endpoints as JSON in
 * MAILBOX_HEALTH_LAB; the Azurite connection string is the value that names a TableEndpoint.
 */
import { randomBytes } from 'node:crypto';
import { createTableStoreFromConnectionString } from '../../src/shared/state/table-store.js';
import type { StateStore } from '../../src/shared/state/ports.js';

function findTableConnectionString(node: unknown): string | undefined {
  if (typeof node === 'string') return /TableEndpoint=/i.test(node) ? node : undefined;
  if (node && typeof node === 'object')
    for (const v of Object.values(node)) {
      const found = findTableConnectionString(v);
      if (found) return found;
    }
  return undefined;
}

export function labTablesConnectionString(): string {
  const raw = process.env.MAILBOX_HEALTH_LAB;
  if (!raw)
    throw new Error('MAILBOX_HEALTH_LAB is not set: run the integration tests with `npm test` (the lab)');
  const cs = findTableConnectionString(JSON.parse(raw));
  if (!cs) throw new Error('MAILBOX_HEALTH_LAB names no Azurite connection string with a TableEndpoint');
  return cs;
}

/** A Table store on the lab's Azurite with a unique table-name prefix, tables created. */
export async function labTableStore(): Promise<StateStore> {
  const store = createTableStoreFromConnectionString(labTablesConnectionString(), {
    prefix: `t${randomBytes(4).toString('hex')}`,
  });
  await store.ensureTables();
  return store;
}
