/**
 * mailboxAction — HTTP GET/POST, anonymous at the host: the signed, single-use link in the mail is the
 * authorization (a function key in a mail link would be a reusable secret), optionally behind the platform's Entra
 * sign-in. GET renders the confirmation page and changes nothing; only the page's POST moves (cycle/action-request.ts).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { ACTION_PAGE_HEADERS } from '../shared/actions/page.js';
import { handleActionRequest } from '../shared/cycle/action-request.js';
import { processDeps, type GetDeps } from './runtime.js';

/** A confirmation form posts one short field; anything larger is not ours. */
const MAX_FORM_BYTES = 16_384;

export function makeMailboxAction(getDeps: GetDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const deps = await getDeps(context);
    try {
      let token = request.query.get('t') ?? undefined;
      if (request.method.toUpperCase() === 'POST') {
        const text = await request.text();
        if (text.length > MAX_FORM_BYTES)
          return { status: 413, headers: { ...ACTION_PAGE_HEADERS }, body: '' };
        token = new URLSearchParams(text).get('t') ?? undefined;
      }
      const user = request.headers.get('x-ms-client-principal-name') ?? undefined;
      const page = await handleActionRequest(deps, {
        method: request.method,
        ...(token ? { token } : {}),
        ...(user ? { user } : {}),
        formAction: new URL(request.url).pathname,
      });
      return {
        status: page.status,
        headers: { ...ACTION_PAGE_HEADERS, ...(page.outcome === 'busy' ? { 'Retry-After': '60' } : {}) },
        body: page.html,
      };
    } finally {
      await deps.sink.flush();
    }
  };
}

app.http('mailboxAction', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: makeMailboxAction(processDeps),
});
