/**
 * Azure Monitor is the independent last resort: a run's results reach telemetry before anything is written to the
 * state store, so a Table Storage failure mid-run (the run then throws and the host retries) cannot keep a CRIT
 * result away from it. Real run against the lab's Entra emulator (a wrong password: auth CRIT, the rest skipped).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/shared/config/load.js';
import type { CheckResult } from '../../src/shared/contracts.js';
import { runCheckMessage } from '../../src/shared/cycle/check-run.js';
import { composeCycleDeps } from '../../src/shared/cycle/compose.js';
import { raisePoison } from '../../src/shared/cycle/poison.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createMemoryStore } from '../../src/shared/state/memory-store.js';
import type { StateStore } from '../../src/shared/state/ports.js';
import { noopTelemetry } from '../../src/shared/telemetry/app-insights.js';
import { deskConfig, registerDesk } from '../../lab/demo-scenario.js';
import { lab, labEndpoints } from '../helpers/lab.js';

/** A memory store whose `status` table refuses every write, as Table Storage does when it is unreachable. */
function statusWritesFail(): StateStore {
  const store = createMemoryStore();
  const down = () => Promise.reject(new Error('Table Storage unreachable'));
  const t = store.status;
  const status: StateStore['status'] = {
    get: (pk, rk) => t.get(pk, rk),
    list: (pk) => t.list(pk),
    delete: (pk, rk, e) => t.delete(pk, rk, e),
    create: down,
    replace: down,
    upsert: down,
    transact: down,
  };
  return { ...store, status };
}

async function depsWithFailingStatus(recorded: CheckResult[]) {
  const l = lab();
  const e = labEndpoints();
  const desk = await registerDesk(l, 'telemetry-first');
  // Nothing listens on port 9: the checks after auth are skipped anyway.
  const doc = deskConfig(
    desk,
    {
      authorityHost: e.authorityHost,
      imap: { host: 'localhost', port: 9 },
      smtp: { host: 'localhost', port: 9 },
    },
    'memory',
  );
  return composeCycleDeps({
    env: { SERVICEDESK_PASSWORD: 'not-the-password' },
    logger: silentLogger,
    config: parseConfig(doc, 'test').config,
    store: statusWritesFail(),
    sink: () => ({
      ...noopTelemetry,
      enabled: true,
      recordResults: (results) => void recorded.push(...results),
    }),
  });
}

describe('telemetry before state writes', () => {
  it('a check run whose state writes fail still sends its CRIT results to telemetry', async () => {
    const recorded: CheckResult[] = [];
    const deps = await depsWithFailingStatus(recorded);
    await expect(runCheckMessage(deps, { mailboxId: 'servicedesk', runId: 'r1' })).rejects.toThrow(
      'Table Storage unreachable',
    );
    expect(recorded.find((r) => r.check === 'auth')?.status).toBe('CRIT');
    expect(recorded.map((r) => r.check)).toContain('smtp-auth');
  });

  it('a poison alert reaches telemetry although the state store is down', async () => {
    const recorded: CheckResult[] = [];
    const deps = await depsWithFailingStatus(recorded);
    await expect(
      raisePoison(
        deps,
        { mailboxId: 'servicedesk', runId: 'r1' },
        { queue: 'mailbox-checks', deliveries: 5 },
      ),
    ).rejects.toThrow('Table Storage unreachable');
    expect(recorded.map((r) => [r.check, r.status])).toEqual([['queue-poison', 'CRIT']]);
  });
});
