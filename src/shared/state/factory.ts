/**
 * Builds the StateStore named by `config.state.tables`: memory, a local directory (the CLI on one host:
 * directory-store.ts), a connection string (resolved from its secret
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
  /** Set where a local directory cannot work (the Function App: instances share no disk); says what to use. */
  forbidDirectory?: string;
}

/** Gives up what a store holds (the directory store's lock); nothing for the others. */
export function closeStateStore(store: StateStore): void {
  (store as Partial<{ close: () => void }>).close?.();
}

export async function createStateStore(
  tables: Config['state']['tables'],
  secrets: SecretResolver,
  options: StateFactoryOptions = {},
): Promise<StateStore> {
  if (tables === 'memory') return createMemoryStore();
  if ('directory' in tables) {
    if (options.forbidDirectory)
      throw new Error(
        `state.tables.directory is for the CLI on one monitoring host: ${options.forbidDirectory}`,
      );
    const { openDirectoryStore } = await import('./directory-store.js');
    return openDirectoryStore(tables.directory);
  }
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
