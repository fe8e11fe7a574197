import { runStoreContract } from './store-contract.js';
import { runHistoryContract } from './history-contract.js';
import { labTableStore } from './lab-tables.js';

runStoreContract('Azure Table Storage (Azurite)', labTableStore);
runHistoryContract('Azure Table Storage (Azurite)', labTableStore);
