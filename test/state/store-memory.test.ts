import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('memory', async () => createMemoryStore());
