/**
 * The identity a mailbox authenticates as, and the cache key that lets mailboxes share tokens: one app-only token
 * serves every mailbox of that app in that tenant (no user in the key); ROPC tokens are per user. The token cache
 * adds a keyed hash of the credential to this key, so only mailboxes that authenticate identically share.
 */
import type { MailboxConfig } from '../config/load.js';
import type { GrantKind } from './claims.js';

export type CredentialMode = MailboxConfig['auth']['mode'];

export interface Identity {
  /** (authority, tenant, client, credential kind, user, scopes), lower-cased where Entra is case-insensitive. */
  key: string;
  authorityHost: string;
  authority: string;
  tenantId: string;
  clientId: string;
  mode: CredentialMode;
  kind: GrantKind;
  /** The ROPC username (delegated only). */
  user?: string;
  scopes: string[];
  /** MSAL's knownAuthorities: set for hosts MSAL has no built-in metadata for (the lab, private clouds). */
  knownAuthorities: string[];
}

/**
 * Authority hosts MSAL knows (msal-common's hard-coded instance metadata). For these MSAL must do its normal
 * instance discovery — listing them in knownAuthorities would skip it and drop their aliases — so only other
 * hosts (the lab's localhost:PORT, a private cloud) are declared as known.
 */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoft.com',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login-us.microsoftonline.com',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
  'login.sovcloud-identity.fr',
  'login.sovcloud-identity.de',
  'login.sovcloud-identity.sg',
]);

export function delegatedScopes(resourceHost: string): string[] {
  return [
    `https://${resourceHost}/IMAP.AccessAsUser.All`,
    `https://${resourceHost}/SMTP.Send`,
    'offline_access',
  ];
}

export function appOnlyScopes(resourceHost: string): string[] {
  return [`https://${resourceHost}/.default`];
}

export function identityOf(mailbox: MailboxConfig): Identity {
  const authorityHost = mailbox.cloud.authorityHost.toLowerCase();
  const tenantId = mailbox.tenantId.toLowerCase();
  const clientId = mailbox.clientId.toLowerCase();
  const mode = mailbox.auth.mode;
  const kind: GrantKind = mode === 'password' ? 'delegated' : 'app-only';
  const user =
    mailbox.auth.mode === 'password' ? (mailbox.auth.username ?? mailbox.address).toLowerCase() : undefined;
  const scopes =
    kind === 'delegated'
      ? delegatedScopes(mailbox.cloud.resourceHost)
      : appOnlyScopes(mailbox.cloud.resourceHost);
  const authority = `https://${authorityHost}/${tenantId}`;
  const key = [authority, tenantId, clientId, mode, user ?? '', scopes.join(' ').toLowerCase()].join('|');
  return {
    key,
    authorityHost,
    authority,
    tenantId,
    clientId,
    mode,
    kind,
    ...(user !== undefined ? { user } : {}),
    scopes,
    knownAuthorities: MICROSOFT_AUTHORITY_HOSTS.has(authorityHost) ? [] : [authorityHost],
  };
}
