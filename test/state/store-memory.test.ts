import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { runHistoryContract } from './history-contract.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('memory', async () => createMemoryStore());
runHistoryContract('memory', async () => createMemoryStore());
