/**
 * The alert policy (docs/architecture.md, "One cycle"), pure: from what was known before, the new result, the policy and the
 * time, decide the next state and whether to notify. Nothing here sends or stores; the caller persists
 * `next.status` at once and `next.alert` only after a notification went out (`triggered` is set only after a send
 * succeeded, so a failed send is retried on the next run instead of being forgotten).
 *
 * Decisions (documented because reviewers and admins rely on them):
 * - failing = status is not OK. Connectivity checks (auth, imap-login, smtp-auth) alert after
 *   `failuresBeforeAlert` consecutive failures (default 2: one dropped connection is not an outage), others after 1.
 * - A skipped check (UNKNOWN, "skipped: …") never alerts or resolves on its own: the check that failed first carries
 *   the alert; its failure counter is left as it was.
 * - While triggered: a worse status than the one notified escalates (WARN → CRIT, WARN → UNKNOWN …); otherwise
 *   a reminder goes out `remindAfterHours` after the last notification. A milder status is not notified.
 * - Back to OK after a triggered alert resolves it (one notice). OK without a triggered alert is silent.
 */
import {
  CONNECTIVITY_CHECKS,
  SKIPPED_PREFIX,
  severity,
  type AlertAction,
  type CheckResult,
} from '../contracts.js';
import type { AlertEntity, StatusEntity } from '../state/ports.js';

export interface AlertPolicy {
  failuresBeforeAlert: number;
  remindAfterHours: number;
}
export const DEFAULT_POLICY: AlertPolicy = { failuresBeforeAlert: 2, remindAfterHours: 24 };

export interface AlertMemory {
  status?: StatusEntity;
  alert?: AlertEntity;
}

export interface Decision {
  action: AlertAction;
  /** What to store: `status` always, `alert` only once the notification was sent (markNotified). */
  next: { status: StatusEntity; alert: AlertEntity };
}

/**
 * Table Storage caps a string property at 64 KiB; a check's details can be long (lists of folders, replies), the
 * status row only needs the summary and numbers to be useful, so oversized details are dropped.
 */
export const MAX_STORED_RESULT_CHARS = 16_000;
export function compactResult(result: CheckResult): CheckResult {
  if (JSON.stringify(result).length <= MAX_STORED_RESULT_CHARS) return result;
  const { details: _dropped, ...rest } = result;
  return { ...rest, details: { truncated: true } };
}

export function failuresNeeded(check: CheckResult['check'], policy: AlertPolicy): number {
  return CONNECTIVITY_CHECKS.has(check) ? policy.failuresBeforeAlert : 1;
}

export function decide(previous: AlertMemory, result: CheckResult, policy: AlertPolicy, now: Date): Decision {
  const prevStatus = previous.status;
  const prevAlert: AlertEntity = previous.alert ?? { check: result.check, triggered: false, severity: 'OK' };
  const skipped = result.status === 'UNKNOWN' && result.summary.startsWith(SKIPPED_PREFIX);
  const failing = result.status !== 'OK';
  const changed = !prevStatus || prevStatus.status !== result.status;
  const status: StatusEntity = {
    check: result.check,
    status: result.status,
    result: compactResult(result),
    since: changed ? now.toISOString() : prevStatus.since,
    consecutiveFailures: skipped
      ? (prevStatus?.consecutiveFailures ?? 0)
      : failing
        ? (prevStatus?.consecutiveFailures ?? 0) + 1
        : 0,
  };
  const keep = (): Decision => ({ action: 'none', next: { status, alert: prevAlert } });
  if (skipped) return keep();

  const nowIso = now.toISOString();
  if (!failing) {
    if (!prevAlert.triggered) return keep();
    return {
      action: 'resolve',
      next: {
        status,
        alert: { check: result.check, triggered: false, severity: 'OK', lastNotifiedAt: nowIso },
      },
    };
  }
  if (!prevAlert.triggered) {
    if (status.consecutiveFailures < failuresNeeded(result.check, policy)) return keep();
    return {
      action: 'trigger',
      next: {
        status,
        alert: {
          check: result.check,
          triggered: true,
          severity: result.status,
          lastNotifiedAt: nowIso,
          triggeredAt: nowIso,
        },
      },
    };
  }
  if (severity(result.status) > severity(prevAlert.severity))
    return {
      action: 'escalate',
      next: { status, alert: { ...prevAlert, severity: result.status, lastNotifiedAt: nowIso } },
    };
  const last = prevAlert.lastNotifiedAt ? Date.parse(prevAlert.lastNotifiedAt) : Number.NEGATIVE_INFINITY;
  if (now.getTime() - last >= policy.remindAfterHours * 3_600_000)
    return { action: 'remind', next: { status, alert: { ...prevAlert, lastNotifiedAt: nowIso } } };
  return keep();
}
