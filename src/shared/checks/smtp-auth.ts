/**
 * `smtp-auth`: STARTTLS, AUTH XOAUTH2 and quit — nothing is sent (nodemailer `verify()`), one connection closed
 * at once. Metrics: smtpAuthMs. Details: { host, port, code?, serverReply? }.
 */
import { splitHost } from '../mail/imap-session.js';
import { failureParts } from './mail-context.js';
import { startCheck } from './result.js';
import { skipIfBlocked } from './skip.js';
import type { Check } from './types.js';

export const smtpAuthCheck: Check = async (ctx) => {
  const blocked = skipIfBlocked(ctx, 'smtp-auth');
  if (blocked) return blocked;
  const finish = startCheck(ctx, 'smtp-auth');
  const { host, port } = splitHost(ctx.mailbox.cloud.smtpHost, ctx.mailbox.cloud.smtpPort);
  const outcome = await ctx.tokens.acquire(ctx.deadline.signal);
  if (!outcome.ok) {
    return finish({ status: 'UNKNOWN', summary: `skipped: no access token (${outcome.failure.code})` });
  }
  const result = await ctx.smtp.verify(outcome.grant.accessToken, ctx.deadline.signal);
  const metrics = { smtpAuthMs: result.latencyMs };
  if (result.ok) {
    return finish({
      status: 'OK',
      summary: `STARTTLS + XOAUTH2 accepted by ${host}:${port} in ${result.latencyMs} ms (nothing sent)`,
      metrics,
      details: { host, port },
    });
  }
  return finish(
    failureParts('SMTP', result.error, ctx.mailbox, 'AUTH XOAUTH2', { details: { host, port }, metrics }),
  );
};
