/**
 * The steps `mailbox-health doctor` walks for one mailbox, in the vendor guide's order (see doctor.ts for the
 * command). Each step is PASS, FAIL with the fix and setup step, or SKIP saying which earlier step it needed.
 */
import type { ImapFlow } from 'imapflow';
import { checkPermissions, permissionRemediation } from '../shared/auth/claims.js';
import { esmProblems } from '../shared/auth/esm-consistency.js';
import type { TokenCache } from '../shared/auth/token-cache.js';
import { createTokenSource } from '../shared/auth/token-source.js';
import { createDeadline, raceDeadline } from '../shared/deadline.js';
import { findFolder } from '../shared/mail/folder-finder.js';
import type { Deadline } from '../shared/deadline.js';
import type { TokenGrant } from '../shared/auth/ports.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { MailboxConfig, SecretResolver } from '../shared/config/index.js';
import type { SetupStep } from '../shared/contracts.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import { classifyMailFailure } from '../shared/mail/catalogue.js';
import { ImapSession } from '../shared/mail/imap-session.js';
import { createSmtpProbe } from '../shared/mail/smtp-probe.js';
import { cleanText } from '../shared/report/escape.js';

export const DOCTOR_STEPS = {
  config: 'Configuration valid',
  'esm-settings': 'ESM platform settings consistent',
  authority: 'Authority reachable',
  token: 'Token acquired',
  permissions: 'Token carries the needed permissions',
  'imap-login': 'IMAP XOAUTH2 login',
  inbox: 'INBOX opens read-only',
  folders: 'Junk and Sent folders found',
  'smtp-auth': 'SMTP AUTH XOAUTH2 accepted',
} as const;
export type DoctorStepId = keyof typeof DOCTOR_STEPS;

export interface DoctorStep {
  /** The mailbox id (doctor may walk several mailboxes). */
  mailbox: string;
  step: DoctorStepId;
  title: string;
  status: 'PASS' | 'FAIL' | 'SKIP';
  detail: string;
  fix?: string;
  setupStep?: SetupStep;
}

export interface DoctorResult {
  steps: DoctorStep[];
  exitCode: 0 | 2 | 3;
}

export interface DoctorOptions {
  secrets: SecretResolver;
  clock?: Clock;
  logger?: Logger;
  /** Only this mailbox id. */
  mailbox?: string;
  /** Defaults to a fresh cache: doctor always proves a real token request, never a cached token. */
  cache?: TokenCache;
  /** Non-fatal configuration findings (inline secrets …), shown in the first step. */
  configWarnings?: readonly string[];
  /** ESM settings that failed the configuration's own consistency rules, judged here instead (by mailbox id). */
  esmOverrides?: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

/** GET of the tenant's OpenID metadata: proves DNS, TLS and the authority URL before any credential is sent. */
async function probeAuthority(
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

export async function doctorMailbox(
  m: MailboxConfig,
  opts: DoctorOptions,
  cache: TokenCache,
): Promise<DoctorStep[]> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger;
  const steps: DoctorStep[] = [];
  const add = (
    step: DoctorStepId,
    status: DoctorStep['status'],
    detail: string,
    extra: { fix?: string; setupStep?: SetupStep } = {},
  ) => {
    steps.push({
      mailbox: m.id,
      step,
      title: DOCTOR_STEPS[step],
      status,
      detail: cleanText(detail, 400),
      ...(extra.fix ? { fix: cleanText(extra.fix, 600) } : {}),
      ...(extra.setupStep ? { setupStep: extra.setupStep } : {}),
    });
  };
  const kind = m.auth.mode === 'password' ? 'delegated' : 'app-only';
  const warnings = opts.configWarnings?.length
    ? ` (${opts.configWarnings.length} warning(s), see stderr)`
    : '';
  add(
    'config',
    'PASS',
    `${m.address}: ${m.auth.mode} credentials, tenant ${m.tenantId}, client ${m.clientId}${warnings}`,
  );

  const esm = opts.esmOverrides?.get(m.id) ?? m.esm;
  if (!esm) {
    add(
      'esm-settings',
      'SKIP',
      'no "esm" block: paste ESM’s mail.oauth.* platform settings into the mailbox to compare them',
    );
  } else {
    const problems = esmProblems(m, esm);
    if (problems.length === 0)
      add(
        'esm-settings',
        'PASS',
        'OAuth flags, authorize endpoint, client id and scopes agree with the app registration',
      );
    else
      add('esm-settings', 'FAIL', problems.map((p) => `${p.key}: ${p.message}`).join('; '), {
        fix: [...new Set(problems.map((p) => p.fix))].join('; '),
        setupStep: 'esm-platform-settings',
      });
  }

  const deadline = createDeadline(clock, m.deadlineSeconds * 1000);
  const imap = new ImapSession(m, deadline, logger);
  try {
    const authority = await probeAuthority(m, deadline);
    if (authority.ok) add('authority', 'PASS', authority.detail);
    else
      add('authority', 'FAIL', authority.detail, {
        fix: `Check cloud.authorityHost and the tenant id, and that the monitor can reach https://${m.cloud.authorityHost} (DNS, firewall, proxy)`,
        setupStep: 'esm-platform-settings',
      });

    let grant: TokenGrant | undefined;
    if (!authority.ok) add('token', 'SKIP', 'skipped: the authority is not reachable');
    else {
      const out = await createTokenSource(m, {
        secrets: opts.secrets,
        clock,
        logger,
        cache,
        deadline,
      }).acquire(deadline.signal);
      if (out.ok) {
        grant = out.grant;
        const who = grant.claims.upn ?? grant.claims.appid ?? m.clientId;
        const mins = Math.round((grant.expiresOn.getTime() - clock.now().getTime()) / 60_000);
        const retried = grant.retries > 0 ? ` after ${grant.retries} transient retries` : '';
        add('token', 'PASS', `${grant.kind} token for ${who}${retried}, expires in ${mins} min`);
      } else {
        const f = out.failure;
        // Microsoft's description already starts with its AADSTS code.
        const text = f.message.startsWith(f.code) ? f.message : `${f.code}: ${f.message}`;
        add('token', 'FAIL', `${text}${f.transient ? ' (transient: retried on the next run)' : ''}`, {
          fix: f.remediation.fix,
          ...(f.remediation.setupStep ? { setupStep: f.remediation.setupStep } : {}),
        });
      }
    }

    if (!grant) add('permissions', 'SKIP', 'skipped: no token to inspect');
    else {
      const report = checkPermissions(grant.claims, grant.kind, m.cloud.resourceHost);
      const missing = permissionRemediation(report, grant.kind);
      if (missing)
        add('permissions', 'FAIL', missing.cause, { fix: missing.fix, setupStep: 'api-permissions' });
      else
        add(
          'permissions',
          'PASS',
          `${grant.kind === 'delegated' ? 'scp' : 'roles'}: ${report.granted.join(' ')}`,
        );
    }

    const mailFailure = (protocol: 'IMAP' | 'SMTP', err: unknown, what: string) => {
      const host = protocol === 'IMAP' ? m.cloud.imapHost : m.cloud.smtpHost;
      const f = classifyMailFailure(protocol, err, { kind, mailbox: m.address, host, what });
      return { detail: f.summary, fix: f.remediation.fix, setupStep: f.remediation.setupStep };
    };

    let client: ImapFlow | undefined;
    if (!grant) add('imap-login', 'SKIP', 'skipped: no token');
    else {
      try {
        client = await imap.open(grant.accessToken);
        add('imap-login', 'PASS', `logged in to ${m.cloud.imapHost}:${m.cloud.imapPort} as ${m.address}`);
      } catch (err) {
        const f = mailFailure('IMAP', err, 'XOAUTH2 login');
        add('imap-login', 'FAIL', f.detail, {
          fix: f.fix,
          ...(f.setupStep ? { setupStep: f.setupStep } : {}),
        });
      }
    }
    if (!client) {
      add('inbox', 'SKIP', 'skipped: no IMAP session');
      add('folders', 'SKIP', 'skipped: no IMAP session');
    } else {
      try {
        // EXAMINE: ESM depends on unread state, so the monitor never selects read-write.
        const box = await raceDeadline(
          client.mailboxOpen(m.folders.inbox, { readOnly: true }),
          deadline.signal,
        );
        add('inbox', 'PASS', `${box.path} opened read-only (EXAMINE): ${box.exists} message(s)`);
      } catch (err) {
        const f = mailFailure('IMAP', err, `EXAMINE ${m.folders.inbox}`);
        add('inbox', 'FAIL', f.detail, { fix: f.fix, ...(f.setupStep ? { setupStep: f.setupStep } : {}) });
      }
      try {
        // The checks' own finder, so doctor and the checks never disagree about a folder.
        const junk = await raceDeadline(findFolder(client, 'junk', m), deadline.signal);
        const sent = await raceDeadline(findFolder(client, 'sent', m), deadline.signal);
        if (junk.found && sent.found)
          add(
            'folders',
            'PASS',
            `Junk: "${junk.path}" (by ${junk.foundBy}), Sent: "${sent.path}" (by ${sent.foundBy})`,
          );
        else {
          const missing = [junk, sent].flatMap((r) => (r.found ? [] : [r]));
          add('folders', 'FAIL', missing.map((r) => r.summary).join('; '), {
            fix: missing.map((r) => r.remediation.fix).join('; '),
          });
        }
      } catch (err) {
        const f = mailFailure('IMAP', err, 'LIST');
        add('folders', 'FAIL', f.detail, { fix: f.fix });
      }
    }
    await imap.close();

    if (!grant) add('smtp-auth', 'SKIP', 'skipped: no token');
    else {
      const r = await createSmtpProbe(m, deadline, clock).verify(grant.accessToken, deadline.signal);
      if (r.ok)
        add(
          'smtp-auth',
          'PASS',
          `AUTH XOAUTH2 accepted by ${m.cloud.smtpHost}:${m.cloud.smtpPort} (verify only, nothing sent)`,
        );
      else {
        const f = mailFailure('SMTP', r.error, 'AUTH XOAUTH2');
        add('smtp-auth', 'FAIL', f.detail, {
          fix: f.fix,
          ...(f.setupStep ? { setupStep: f.setupStep } : {}),
        });
      }
    }
  } finally {
    await imap.close().catch(() => undefined);
    deadline.dispose();
  }
  return steps;
}
