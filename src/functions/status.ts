/**
 * status — HTTP GET (function key, like `health`): the status overview at `/api/status` (`?status=CRIT` filters,
 * `?page=2` pages through whole tenants) and one mailbox at `/api/status/<mailbox id>`. Server-rendered HTML under
 * a strict Content-Security-Policy.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { functionLinks, statusPage } from '../shared/cycle/status.js';
import { STATUS_HEADERS } from '../shared/report/status-layout.js';
import type { CycleDeps } from '../shared/cycle/deps.js';
import { processDeps } from './runtime.js';

export function makeStatus(
  getDeps: (context: InvocationContext) => Promise<Pick<CycleDeps, 'config' | 'store' | 'clock'>>,
) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const deps = await getDeps(context);
    const mailbox = request.params.mailbox;
    const out = await statusPage(deps.config, deps.store, deps.clock.now(), {
      ...(mailbox ? { mailbox } : {}),
      filter: request.query.get('status'),
      page: request.query.get('page'),
      links: functionLinks(request.query.get('code')),
    });
    return { status: out.status, body: out.html, headers: STATUS_HEADERS };
  };
}

app.http('status', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'status/{mailbox?}',
  handler: makeStatus(processDeps),
});
