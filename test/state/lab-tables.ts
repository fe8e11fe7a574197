/**
 * The lab's Azurite for the integration tests of the Table store (endpoints from MAILBOX_HEALTH_LAB, set by the
 * lab wrapper `npm test`). Each store gets a unique table-name prefix so test files never collide.
 */
import { randomBytes } from 'node:crypto';
import { createTableStoreFromConnectionString } from '../../src/shared/state/table-store.js';
import type { StateStore } from '../../src/shared/state/ports.js';
import { labEndpoints } from '../helpers/lab.js';

export function labTablesConnectionString(): string {
  const azurite = labEndpoints().azurite;
  if (!azurite) throw new Error('the lab has no Azurite (see lab/azurite.ts)');
  return azurite.connectionString;
}

/** A Table store on the lab's Azurite with a unique table-name prefix, tables created. */
export async function labTableStore(): Promise<StateStore> {
  const store = createTableStoreFromConnectionString(labTablesConnectionString(), {
    prefix: `t${randomBytes(4).toString('hex')}`,
  });
  await store.ensureTables();
  return store;
}
