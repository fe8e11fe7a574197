/**
 * Access-token inspection WITHOUT validation: the monitor only reads the claims to explain a failure before
 * IMAP/SMTP refuse the token with a bare "AUTHENTICATE failed". Exchange validates the token; we never trust it.
 */
import type { Remediation } from '../contracts.js';
import type { TokenClaims } from './ports.js';

export type GrantKind = 'delegated' | 'app-only';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Decodes the payload of a JWT; returns undefined for anything that is not a three-part JWT with a JSON payload. */
export function decodeClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  const claims: TokenClaims = {};
  // `aud` may be an array in general JWTs; Entra access tokens carry one string.
  const aud = Array.isArray(p.aud) ? p.aud.find((a) => typeof a === 'string') : p.aud;
  if (typeof aud === 'string') claims.aud = aud;
  if (typeof p.scp === 'string') claims.scp = p.scp;
  if (Array.isArray(p.roles)) claims.roles = p.roles.filter((r): r is string => typeof r === 'string');
  if (typeof p.exp === 'number' && Number.isFinite(p.exp)) claims.exp = p.exp;
  const tid = str(p.tid);
  if (tid) claims.tid = tid;
  // v1 tokens carry `upn`; v2 and guest accounts may only have `unique_name` / `preferred_username`.
  const upn = str(p.upn) ?? str(p.unique_name) ?? str(p.preferred_username);
  if (upn) claims.upn = upn;
  const appid = str(p.appid) ?? str(p.azp);
  if (appid) claims.appid = appid;
  return claims;
}

/** The permissions Exchange Online needs for IMAP and SMTP AUTH, per grant kind. */
export const REQUIRED_PERMISSIONS: Record<GrantKind, { imap: string; smtp: string }> = {
  delegated: { imap: 'IMAP.AccessAsUser.All', smtp: 'SMTP.Send' },
  'app-only': { imap: 'IMAP.AccessAsApp', smtp: 'SMTP.SendAsApp' },
};

export interface PermissionReport {
  /** Permissions found in `scp` (delegated) or `roles` (app-only). */
  granted: string[];
  missing: string[];
  /** The audience is not the Exchange resource the scopes asked for. */
  wrongAudience?: string;
}

function audienceMatches(aud: string, resourceHost: string): boolean {
  const host = resourceHost.toLowerCase();
  const a = aud.toLowerCase().replace(/\/+$/, '');
  // Exchange's resource is addressed both by URL and by its well-known app id.
  if (a === '00000002-0000-0ff1-ce00-000000000000') return true;
  if (a === `https://${host}`) return true;
  // Microsoft's own docs use outlook.office.com; Entra issues either for the same resource.
  return (
    host.endsWith('office365.com') &&
    (a === 'https://outlook.office.com' || a === 'https://outlook.office365.com')
  );
}

/** Which of the IMAP/SMTP permissions the token carries, and whether it is meant for Exchange at all. */
export function checkPermissions(
  claims: TokenClaims,
  kind: GrantKind,
  resourceHost: string,
): PermissionReport {
  const granted =
    kind === 'delegated' ? (claims.scp ?? '').split(/\s+/).filter(Boolean) : [...(claims.roles ?? [])];
  const have = new Set(granted.map((g) => g.toLowerCase()));
  const need = REQUIRED_PERMISSIONS[kind];
  const missing = [need.imap, need.smtp].filter((p) => !have.has(p.toLowerCase()));
  const report: PermissionReport = { granted, missing };
  if (claims.aud !== undefined && !audienceMatches(claims.aud, resourceHost))
    report.wrongAudience = claims.aud;
  return report;
}

/** The remediation for a token lacking permissions, or undefined when it carries everything needed. */
export function permissionRemediation(report: PermissionReport, kind: GrantKind): Remediation | undefined {
  if (report.wrongAudience !== undefined) {
    return {
      cause: `the token is for ${report.wrongAudience}, not for Exchange Online`,
      fix: 'Request the Exchange scopes (https://outlook.office365.com/…) — not Microsoft Graph — in the configuration and ESM’s mail.oauth.scopes',
      setupStep: 'api-permissions',
    };
  }
  if (report.missing.length === 0) return undefined;
  const where =
    kind === 'delegated'
      ? 'API permissions → Add a permission → Microsoft Graph (as the vendor guide shows) → Delegated permissions'
      : 'API permissions → Add a permission → APIs my organization uses → Office 365 Exchange Online → Application permissions';
  return {
    cause: `the token lacks ${report.missing.join(' and ')} (it carries: ${report.granted.join(' ') || 'nothing'})`,
    fix: `Add ${report.missing.join(' and ')} under ${where}, then press "Grant admin consent"`,
    setupStep: 'api-permissions',
  };
}
