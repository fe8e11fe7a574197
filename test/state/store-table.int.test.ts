import { runStoreContract } from './store-contract.js';
import { labTableStore } from './lab-tables.js';

runStoreContract('Azure Table Storage (Azurite)', labTableStore);
