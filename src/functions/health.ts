/** health — HTTP GET (function key): every mailbox's last status per check and since when; no secret, no mail content. */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { healthDocument } from '../shared/cycle/health.js';
import { NAGIOS_EXIT } from '../shared/contracts.js';
import { processDeps, type GetDeps } from './runtime.js';

export function makeHealth(getDeps: GetDeps) {
  return async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const deps = await getDeps(context);
    const doc = await healthDocument(deps.config, deps.store, deps.clock.now());
    return {
      // 200 whatever the mailboxes' state: the endpoint answered; probes read `status` (and `exitCode`).
      status: 200,
      jsonBody: { ...doc, exitCode: NAGIOS_EXIT[doc.status] },
      headers: { 'Cache-Control': 'no-store' },
    };
  };
}

app.http('health', { methods: ['GET'], authLevel: 'function', handler: makeHealth(processDeps) });
