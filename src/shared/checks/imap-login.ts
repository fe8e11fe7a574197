/**
 * `imap-login`: connect over TLS and authenticate with XOAUTH2, as the service desk does. Opens the run's one IMAP
 * session (reused by `inbox` and `junk`, closed by the runner). Metrics: loginMs.
 * Details: { host, port, code?, serverReply? }.
 */
import { failureParts } from './mail-context.js';
import { startCheck } from './result.js';
import { skipIfBlocked } from './skip.js';
import type { Check } from './types.js';
import { splitHost } from '../mail/imap-session.js';

export const imapLoginCheck: Check = async (ctx) => {
  const blocked = skipIfBlocked(ctx, 'imap-login');
  if (blocked) return blocked;
  const finish = startCheck(ctx, 'imap-login');
  const { host, port } = splitHost(ctx.mailbox.cloud.imapHost, ctx.mailbox.cloud.imapPort);
  const outcome = await ctx.tokens.acquire(ctx.deadline.signal);
  if (!outcome.ok) {
    return finish({ status: 'UNKNOWN', summary: `skipped: no access token (${outcome.failure.code})` });
  }
  const started = ctx.clock.now().getTime();
  try {
    await ctx.imap.open(outcome.grant.accessToken);
    const loginMs = Math.max(0, ctx.clock.now().getTime() - started);
    return finish({
      status: 'OK',
      summary: `XOAUTH2 login to ${host}:${port} succeeded in ${loginMs} ms`,
      metrics: { loginMs },
      details: { host, port },
    });
  } catch (err) {
    return finish(failureParts('IMAP', err, ctx.mailbox, 'XOAUTH2 login', { details: { host, port } }));
  }
};
