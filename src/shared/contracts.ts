/**
 * The contracts every part of mailbox-health shares: check names, statuses, setup steps and the CheckResult
 * shape (docs/architecture.md). Defined once here; everything else imports them.
 */
import { z } from 'zod';

/** The fixed check names, in run order. `queue-poison` is raised by the Function App, not run by the registry. */
export const CHECK_NAMES = [
  'auth',
  'credential-expiry',
  'imap-login',
  'inbox',
  'junk',
  'sent-quota',
  'smtp-auth',
] as const;
export const RAISED_CHECK_NAMES = ['queue-poison'] as const;
export const CheckNameSchema = z.enum([...CHECK_NAMES, ...RAISED_CHECK_NAMES]);
export type CheckName = z.infer<typeof CheckNameSchema>;
export type RegisteredCheckName = (typeof CHECK_NAMES)[number];

/** Checks that prove the mailbox can be reached at all; the alert policy waits for 2 failures on these. */
export const CONNECTIVITY_CHECKS: ReadonlySet<CheckName> = new Set(['auth', 'imap-login', 'smtp-auth']);

export const STATUSES = ['OK', 'WARN', 'UNKNOWN', 'CRIT'] as const;
export const StatusSchema = z.enum(['OK', 'WARN', 'CRIT', 'UNKNOWN']);
export type Status = z.infer<typeof StatusSchema>;

/** Severity order OK < WARN < UNKNOWN < CRIT: a check that could not run is worse than a warning. */
const SEVERITY: Record<Status, number> = { OK: 0, WARN: 1, UNKNOWN: 2, CRIT: 3 };
export function severity(status: Status): number {
  return SEVERITY[status];
}
export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = 'OK';
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}
/** Nagios plugin exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export const NAGIOS_EXIT: Record<Status, number> = { OK: 0, WARN: 1, CRIT: 2, UNKNOWN: 3 };

/**
 * The setup steps a diagnosis can point at: the steps of the vendor's setup guide first, then Exchange Online's.
 * `account` covers password, MFA, lock and disabled accounts.
 */
export const SETUP_STEPS = [
  'app-registration',
  'api-permissions',
  'admin-consent',
  'public-client-flows',
  'esm-platform-settings',
  'exchange-service-principal',
  'mailbox-permission',
  'smtp-auth-enabled',
  'imap-enabled',
  'account',
] as const;
export const SetupStepSchema = z.enum(SETUP_STEPS);
export type SetupStep = z.infer<typeof SetupStepSchema>;

/** Where in the vendor's guide (or Exchange admin tooling) each step lives, for humans. */
export const SETUP_STEP_TITLES: Record<SetupStep, string> = {
  'app-registration': 'Register an Application (Entra ID → App registrations)',
  'api-permissions': 'Add permissions to access the O365 mailbox (API permissions)',
  'admin-consent': 'Admin Consent Button (Grant admin consent)',
  'public-client-flows': 'Authentication Settings (Allow public client flows = Yes)',
  'esm-platform-settings': 'ESM Platform Settings (mail.oauth.* settings)',
  'exchange-service-principal': 'Exchange Online: New-ServicePrincipal for the app',
  'mailbox-permission': 'Exchange Online: Add-MailboxPermission FullAccess for the app',
  'smtp-auth-enabled': 'Exchange Online: SMTP AUTH enabled for the mailbox (Set-CASMailbox)',
  'imap-enabled': 'Exchange Online: IMAP enabled for the mailbox (Set-CASMailbox -ImapEnabled)',
  account: 'The mailbox account (password, MFA, lock, disabled)',
};

export const RemediationSchema = z.object({
  cause: z.string().min(1),
  fix: z.string().min(1),
  setupStep: SetupStepSchema.optional(),
});
export type Remediation = z.infer<typeof RemediationSchema>;

/** Metric names are camelCase with the unit in the name (oldestWaitingSeconds, junkMessages, quotaPercent …). */
export const MetricsSchema = z.record(z.string().regex(/^[a-z][A-Za-z0-9]*$/), z.number().finite());

export const CheckResultSchema = z.object({
  check: CheckNameSchema,
  /** The mailbox id from the configuration. */
  mailbox: z.string().min(1),
  status: StatusSchema,
  /** One line of plain text. */
  summary: z.string().refine((s) => !/[\r\n]/.test(s), 'summary must be one line'),
  /** Typed per check; each check documents its own details type. */
  details: z.record(z.string(), z.unknown()).optional(),
  metrics: MetricsSchema,
  remediation: RemediationSchema.optional(),
  durationMs: z.number().nonnegative(),
  /** ISO 8601 time the check finished. */
  at: z.string().datetime(),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;

/** Summary prefix of a check that could not run because an earlier one failed (status UNKNOWN). */
export const SKIPPED_PREFIX = 'skipped: ';

/**
 * What the alert policy (`alerts/decide.ts`) decides for one check result; the alert renderer (`report/alert.ts`)
 * words every action but 'none'. Shared here so the renderer does not depend on the policy.
 */
export type AlertAction = 'none' | 'trigger' | 'remind' | 'escalate' | 'resolve';
