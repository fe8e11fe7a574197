/**
 * Building CheckResults: every check ends through these helpers so that `at`, `durationMs` and the one-line
 * summary rule hold everywhere.
 */
import type { CheckName, CheckResult, Remediation, Status } from '../contracts.js';
import { SKIPPED_PREFIX } from '../contracts.js';
import { cleanText } from '../report/escape.js';
import type { CheckContext } from './types.js';

export interface ResultParts {
  status: Status;
  summary: string;
  metrics?: Record<string, number>;
  details?: Record<string, unknown>;
  remediation?: Remediation;
}

/** A summary is one line of plain text: the report module's one cleaner for untrusted text (escape.ts). */
export function oneLine(s: string, max = 400): string {
  return cleanText(s, max);
}

/** Starts timing a check; `finish` builds its result with the duration measured on the context's clock. */
export function startCheck(
  ctx: Pick<CheckContext, 'clock' | 'mailbox'>,
  check: CheckName,
  opts: {
    /** Also report the duration as the metric `durationMs` (the token checks chart how long sign-in takes). */
    durationMetric?: boolean;
  } = {},
) {
  const started = ctx.clock.now().getTime();
  return (parts: ResultParts): CheckResult => {
    const now = ctx.clock.now();
    const durationMs = Math.max(0, now.getTime() - started);
    return {
      check,
      mailbox: ctx.mailbox.id,
      status: parts.status,
      summary: oneLine(parts.summary),
      ...(parts.details ? { details: parts.details } : {}),
      metrics: opts.durationMetric ? { durationMs, ...parts.metrics } : (parts.metrics ?? {}),
      ...(parts.remediation ? { remediation: parts.remediation } : {}),
      durationMs,
      at: now.toISOString(),
    };
  };
}

/** The UNKNOWN result of a check that could not run because an earlier one failed (docs/architecture.md). */
export function skippedResult(
  ctx: Pick<CheckContext, 'clock' | 'mailbox'>,
  check: CheckName,
  reason: string,
): CheckResult {
  return startCheck(ctx, check)({ status: 'UNKNOWN', summary: SKIPPED_PREFIX + reason });
}
