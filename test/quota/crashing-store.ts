/** A store whose ledger transactions throw from the `failAt`-th on: a process dying between two transactions. */
import type { StateStore } from '../../src/shared/state/ports.js';

export function crashingAt(store: StateStore, failAt: number): StateStore {
  let n = 0;
  const l = store.ledger;
  const ledger: StateStore['ledger'] = {
    get: (pk, rk) => l.get(pk, rk),
    list: (pk) => l.list(pk),
    range: (pk, r) => l.range(pk, r),
    create: (pk, rk, v) => l.create(pk, rk, v),
    replace: (pk, rk, v, e) => l.replace(pk, rk, v, e),
    upsert: (pk, rk, v) => l.upsert(pk, rk, v),
    delete: (pk, rk, e) => l.delete(pk, rk, e),
    transact: async (pk, ops) => {
      n += 1;
      if (n >= failAt) throw new Error('simulated crash');
      return l.transact(pk, ops);
    },
  };
  return { ...store, ledger };
}
