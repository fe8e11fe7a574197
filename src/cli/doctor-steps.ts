/**
 * The steps `mailbox-health doctor` walks for one mailbox (see doctor.ts for the command). Doctor is a view over
 * the checks: after the steps only doctor has (configuration, ESM platform settings, authority reachable) it runs
 * the same `runMailbox` as `check` and shows each CheckResult as a step, so the two can never disagree about a
 * mailbox. Each step is PASS, WARN, FAIL with the fix and setup step, or SKIP saying which earlier step it needed.
 */
import { esmProblems } from '../shared/auth/esm-consistency.js';
import { runMailbox, type RunDeps } from '../shared/checks/runner.js';
import type { MailboxConfig } from '../shared/config/index.js';
import {
  CHECK_NAMES,
  SKIPPED_PREFIX,
  type CheckResult,
  type RegisteredCheckName,
  type SetupStep,
  type Status,
} from '../shared/contracts.js';
import { createDeadline, type Deadline } from '../shared/deadline.js';
import { cleanText } from '../shared/report/escape.js';

/** The steps only doctor has, then one step per check, in run order. */
export const DOCTOR_STEPS = {
  config: 'Configuration valid',
  'esm-settings': 'ESM platform settings consistent',
  authority: 'Authority reachable',
  auth: 'Token acquired with the needed permissions',
  'credential-expiry': 'Credential valid for long enough',
  'imap-login': 'IMAP XOAUTH2 login',
  inbox: 'INBOX opens read-only and mail is being fetched',
  junk: 'Junk folder found and reviewed',
  'sent-quota': 'Sent Items within Exchange Online’s sending limits',
  'smtp-auth': 'SMTP AUTH XOAUTH2 accepted',
} as const satisfies Record<RegisteredCheckName, string> & Record<string, string>;
export type DoctorStepId = keyof typeof DOCTOR_STEPS;

export interface DoctorStep {
  /** The mailbox id (doctor may walk several mailboxes). */
  mailbox: string;
  step: DoctorStepId;
  title: string;
  status: 'PASS' | 'WARN' | 'FAIL' | 'SKIP';
  detail: string;
  fix?: string;
  setupStep?: SetupStep;
  /** For the steps that are checks: the check's own status and fault class, as `check` reports them. */
  check?: { status: Status; fault?: string };
}

export interface DoctorResult {
  steps: DoctorStep[];
  /** The worst check status over the mailboxes walked: what `mailbox-health check` says of them. */
  status: Status;
  exitCode: 0 | 2 | 3;
}

export interface DoctorOptions {
  /** Only this mailbox id. */
  mailbox?: string;
  /** Non-fatal configuration findings (inline secrets …), shown in the first step. */
  configWarnings?: readonly string[];
}

/** GET of the tenant's OpenID metadata: proves DNS, TLS and the authority URL before any credential is sent. */
export async function probeAuthority(
  m: MailboxConfig,
  deadline: Deadline,
): Promise<{ ok: boolean; detail: string }> {
  const url = `https://${m.cloud.authorityHost}/${encodeURIComponent(m.tenantId)}/v2.0/.well-known/openid-configuration`;
  try {
    const res = await fetch(url, {
      signal: AbortSignal.any([
        deadline.signal,
        AbortSignal.timeout(Math.min(10_000, deadline.remainingMs())),
      ]),
    });
    const body = (await res.json().catch(() => ({}))) as {
      token_endpoint?: unknown;
      error_description?: unknown;
    };
    if (res.ok && typeof body.token_endpoint === 'string') return { ok: true, detail: `${url} answered` };
    const why =
      typeof body.error_description === 'string' ? `: ${body.error_description.split(/\r?\n/)[0]}` : '';
    return { ok: false, detail: `${url} answered HTTP ${res.status}${why}` };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    const why =
      e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : (e.cause?.code ?? e.name ?? 'error');
    return { ok: false, detail: `${url} not reachable (${why})` };
  }
}

type StepParts = Omit<DoctorStep, 'mailbox' | 'title'>;

function step(m: MailboxConfig, parts: StepParts): DoctorStep {
  return {
    ...parts,
    mailbox: m.id,
    title: DOCTOR_STEPS[parts.step],
    detail: cleanText(parts.detail, 400),
    ...(parts.fix ? { fix: cleanText(parts.fix, 600) } : {}),
  };
}

/** The configuration step: what doctor understood of the mailbox. */
export function configStep(m: MailboxConfig, warnings: readonly string[] = []): StepParts {
  const noted = warnings.length ? ` (${warnings.length} warning(s), see stderr)` : '';
  return {
    step: 'config',
    status: 'PASS',
    detail: `${m.address}: ${m.auth.mode} credentials, tenant ${m.tenantId}, client ${m.clientId}${noted}`,
  };
}

/** ESM's platform settings (the mailbox's `esm` block, as written) against the app registration. */
export function esmStep(m: MailboxConfig): StepParts {
  if (!m.esm)
    return {
      step: 'esm-settings',
      status: 'SKIP',
      detail: 'no "esm" block: paste ESM’s mail.oauth.* platform settings into the mailbox to compare them',
    };
  const problems = esmProblems(m, m.esm);
  if (problems.length === 0)
    return {
      step: 'esm-settings',
      status: 'PASS',
      detail: 'OAuth flags, authorize endpoint, client id and scopes agree with the app registration',
    };
  return {
    step: 'esm-settings',
    status: 'FAIL',
    detail: problems.map((p) => `${p.key}: ${p.message}`).join('; '),
    fix: [...new Set(problems.map((p) => p.fix))].join('; '),
    setupStep: 'esm-platform-settings',
  };
}

/** A check's result as a doctor step: OK passes, WARN warns, a skip says why, CRIT and UNKNOWN fail. */
export function checkStep(r: CheckResult): StepParts {
  const status: DoctorStep['status'] =
    r.status === 'OK'
      ? 'PASS'
      : r.status === 'WARN'
        ? 'WARN'
        : r.status === 'UNKNOWN' && r.summary.startsWith(SKIPPED_PREFIX)
          ? 'SKIP'
          : 'FAIL';
  const fault = typeof r.details?.fault === 'string' ? r.details.fault : undefined;
  // Which folder a check settled on, and how, is what an admin setting up a localized mailbox wants to see.
  const folder = typeof r.details?.folder === 'string' ? r.details.folder : undefined;
  const foundBy = typeof r.details?.foundBy === 'string' ? `, found by ${r.details.foundBy}` : '';
  return {
    step: r.check as RegisteredCheckName,
    status,
    detail: folder ? `${r.summary} (folder "${folder}"${foundBy})` : r.summary,
    ...(r.remediation && status !== 'PASS' ? { fix: r.remediation.fix } : {}),
    ...(r.remediation?.setupStep && status !== 'PASS' ? { setupStep: r.remediation.setupStep } : {}),
    check: { status: r.status, ...(fault ? { fault } : {}) },
  };
}

/** Doctor's steps for one mailbox, and the check results they show. */
export async function doctorMailbox(
  m: MailboxConfig,
  deps: RunDeps,
  opts: DoctorOptions = {},
): Promise<{ steps: DoctorStep[]; results: CheckResult[] }> {
  const steps = [configStep(m, opts.configWarnings), esmStep(m)];
  const deadline = createDeadline(deps.clock, Math.min(15, m.deadlineSeconds) * 1000);
  try {
    const authority = await probeAuthority(m, deadline);
    steps.push(
      authority.ok
        ? { step: 'authority', status: 'PASS', detail: authority.detail }
        : {
            step: 'authority',
            status: 'FAIL',
            detail: authority.detail,
            fix: `Check cloud.authorityHost and the tenant id, and that the monitor can reach https://${m.cloud.authorityHost} (DNS, firewall, proxy)`,
            setupStep: 'esm-platform-settings',
          },
    );
  } finally {
    deadline.dispose();
  }
  const results = await runMailbox(m, deps);
  const order = (r: CheckResult) => CHECK_NAMES.indexOf(r.check as RegisteredCheckName);
  for (const r of [...results].sort((a, b) => order(a) - order(b))) steps.push(checkStep(r));
  return { steps: steps.map((s) => step(m, s)), results };
}
