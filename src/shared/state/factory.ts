/**
 * Builds the StateStore named by `config.state.tables`: memory, a connection string (resolved from its secret
 * reference only here, never logged), or an account URL reached with DefaultAzureCredential — in Azure the
 * Function App's managed identity, a user-assigned one when its client id is given (app setting AZURE_CLIENT_ID,
 * passed in by the caller since core modules do not read the environment).
 */
import { DefaultAzureCredential } from '@azure/identity';
import type { Config } from '../config/load.js';
import type { SecretResolver } from '../config/secrets.js';
import { createMemoryStore } from './memory-store.js';
import type { StateStore } from './ports.js';
import {
  createTableStoreFromAccountUrl,
  createTableStoreFromConnectionString,
  type TableStoreOptions,
} from './table-store.js';

export interface StateFactoryOptions extends TableStoreOptions {
  managedIdentityClientId?: string;
}

export function createStateStore(
  tables: Config['state']['tables'],
  secrets: SecretResolver,
  options: StateFactoryOptions = {},
): StateStore {
  if (tables === 'memory') return createMemoryStore();
  if ('connectionString' in tables)
    return createTableStoreFromConnectionString(
      secrets(tables.connectionString, 'state.tables.connectionString'),
      options,
    );
  const credential = new DefaultAzureCredential(
    options.managedIdentityClientId ? { managedIdentityClientId: options.managedIdentityClientId } : {},
  );
  return createTableStoreFromAccountUrl(tables.accountUrl, credential, options);
}
