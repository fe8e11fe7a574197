/**
 * Builds the StateStore named by `config.state.tables`: memory, a connection string (resolved from its secret
 * reference only here, never logged), or an account URL reached with DefaultAzureCredential — in Azure the
 * Function App's managed identity, a user-assigned one when its client id is given (app setting AZURE_CLIENT_ID,
 * passed in by the caller since core modules do not read the environment).
 *
 * The Azure SDK clients (`@azure/data-tables`, `@azure/identity`) are imported only when the configuration names
 * Table Storage: the in-memory store (the CLI's default, tests, the demo) never loads them.
 */
import type { Config } from '../config/load.js';
import type { SecretResolver } from '../config/secrets.js';
import { createMemoryStore } from './memory-store.js';
import type { StateStore } from './ports.js';
import type { TableStoreOptions } from './table-store.js';

export interface StateFactoryOptions extends TableStoreOptions {
  managedIdentityClientId?: string;
}

export async function createStateStore(
  tables: Config['state']['tables'],
  secrets: SecretResolver,
  options: StateFactoryOptions = {},
): Promise<StateStore> {
  if (tables === 'memory') return createMemoryStore();
  const { createTableStoreFromAccountUrl, createTableStoreFromConnectionString } =
    await import('./table-store.js');
  if ('connectionString' in tables)
    return createTableStoreFromConnectionString(
      secrets(tables.connectionString, 'state.tables.connectionString'),
      options,
    );
  const { DefaultAzureCredential } = await import('@azure/identity');
  const credential = new DefaultAzureCredential(
    options.managedIdentityClientId ? { managedIdentityClientId: options.managedIdentityClientId } : {},
  );
  return createTableStoreFromAccountUrl(tables.accountUrl, credential, options);
}
