/**
 * Check `auth`: obtains the mailbox's token exactly as the service desk does, then reads (without validating) its
 * claims, so that a token lacking IMAP or SMTP permission is reported with the `api-permissions` step before
 * IMAP/SMTP refuse it with a bare "AUTHENTICATE failed".
 *
 * Status: OK — token acquired and carries both permissions. CRIT — no token (with Entra's cause and the fix), or
 * a token lacking a permission. A transient failure (throttling, 5xx, network, deadline) that outlasted the
 * retries is also CRIT — a timeout or an unreachable server means mail is not flowing — but its fault class is
 * `service`, `network` or `timeout` and it carries no setup step, so nobody changes a working setup because of
 * it; the alert policy's two-failure threshold for connectivity checks absorbs one-off blips. A secret the
 * configuration names but the environment lacks is the monitor's own fault: UNKNOWN.
 *
 * details: { kind, fromCache, retries, code?, fault?, aadsts?, httpStatus?, transient?, aud?, scp?, roles?, tid?,
 * upn?, appid?, missing? }
 * metrics: durationMs, tokenExpiresInSeconds (on success), authRetries.
 */
import { checkPermissions, permissionRemediation } from '../auth/claims.js';
import type { Status } from '../contracts.js';
import { withFault } from '../faults/index.js';
import { startCheck } from './result.js';
import type { Check } from './types.js';

export const authCheck: Check = async (ctx) => {
  const finish = startCheck(ctx, 'auth', { durationMetric: true });
  const outcome = await ctx.tokens.acquire(ctx.deadline.signal);
  if (!outcome.ok) {
    const f = outcome.failure;
    const parts = withFault(
      {
        status: 'CRIT' as Status,
        details: { transient: f.transient, retries: f.retries, message: f.message },
        remediation: f.remediation,
      },
      f.code,
      f.server,
      f.fault,
    );
    const quoted = f.server?.httpStatus !== undefined && !f.message.includes(`HTTP ${f.server.httpStatus}`);
    const headline =
      f.fault === 'setup'
        ? 'no token'
        : f.fault === 'monitor'
          ? 'monitor cannot authenticate'
          : 'Entra ID unavailable';
    return finish({
      ...parts,
      summary: `${headline}: ${f.code}${quoted ? ` (HTTP ${f.server!.httpStatus})` : ''} — ${f.fault === 'setup' ? f.remediation.cause : f.message}`,
      metrics: { authRetries: f.retries },
    });
  }
  const g = outcome.grant;
  const { claims } = g;
  const expiresIn = Math.round((g.expiresOn.getTime() - ctx.clock.now().getTime()) / 1000);
  const report = checkPermissions(claims, g.kind, ctx.mailbox.cloud.resourceHost);
  const details: Record<string, unknown> = {
    kind: g.kind,
    fromCache: g.fromCache,
    retries: g.retries,
    ...(claims.aud !== undefined ? { aud: claims.aud } : {}),
    ...(claims.scp !== undefined ? { scp: claims.scp } : {}),
    ...(claims.roles !== undefined ? { roles: claims.roles } : {}),
    ...(claims.tid !== undefined ? { tid: claims.tid } : {}),
    ...(claims.upn !== undefined ? { upn: claims.upn } : {}),
    ...(claims.appid !== undefined ? { appid: claims.appid } : {}),
  };
  const metrics = { tokenExpiresInSeconds: expiresIn, authRetries: g.retries };
  const missing = permissionRemediation(report, g.kind);
  if (missing) {
    return finish({
      status: 'CRIT',
      summary: `token lacks permissions: ${missing.cause}`,
      ...{
        details: { ...details, missing: report.missing, code: 'EPERMISSIONS', fault: 'setup' },
        remediation: missing,
        metrics,
      },
    });
  }
  const how = g.fromCache
    ? 'reused'
    : g.retries > 0
      ? `acquired after ${g.retries} transient retries`
      : 'acquired';
  return finish({
    status: 'OK',
    summary: `${g.kind} token ${how}, expires in ${Math.max(0, Math.round(expiresIn / 60))} min`,
    details,
    metrics,
  });
};
