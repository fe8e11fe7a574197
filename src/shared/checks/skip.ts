/**
 * Dependency skipping: a check that needs an earlier one to have succeeded returns UNKNOWN "skipped: …" instead
 * of running (docs/architecture.md). The dependencies are data, not code paths, so the runner and the checks agree.
 */
import type { CheckName, CheckResult, RegisteredCheckName } from '../contracts.js';
import { skippedResult } from './result.js';
import type { CheckContext } from './types.js';

/** Which earlier check must be OK (or WARN) for a check to run. */
export const DEPENDS_ON: Partial<Record<RegisteredCheckName, RegisteredCheckName>> = {
  'imap-login': 'auth',
  inbox: 'imap-login',
  junk: 'imap-login',
  'sent-quota': 'imap-login',
  'smtp-auth': 'auth',
};

/** A passing result: OK, or WARN (a warning still means the step worked). */
export function passed(result: CheckResult | undefined): boolean {
  return result !== undefined && (result.status === 'OK' || result.status === 'WARN');
}

/**
 * The skipped result for `check` when its dependency did not pass, else undefined (the check may run).
 * Checks call it themselves too, so that a check run outside the runner still refuses to run blind.
 */
export function skipIfBlocked(ctx: CheckContext, check: CheckName): CheckResult | undefined {
  const dep = DEPENDS_ON[check as RegisteredCheckName];
  if (!dep) return undefined;
  const prior = ctx.results.get(dep);
  if (passed(prior)) return undefined;
  const why = prior ? `${dep} is ${prior.status}` : `${dep} did not run`;
  return skippedResult(ctx, check, why);
}
