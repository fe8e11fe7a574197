/**
 * Compares ESM's own platform settings (vendor guide "ESM Platform Settings", pasted into the mailbox's `esm`
 * block) with the app registration the monitor uses: the service desk breaks when they drift apart even though
 * the monitor's own configuration works. Pure; `doctor` reports the problems.
 */
import { parseAuthorizeEndpoint, parseScopes } from '../config/esm.js';
import type { MailboxConfig } from '../config/load.js';

export interface EsmProblem {
  /** The ESM setting at fault, e.g. `mail.oauth.scopes`. */
  key: string;
  message: string;
  fix: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KNOWN_KEYS = [
  'mail.store.oauth.enabled',
  'mail.transport.oauth.enabled',
  'mail.oauth.authorize.endpoint',
  'mail.oauth.client.id',
  'mail.oauth.scopes',
];
/** Exchange's resource as ESM writes it (the guide) or as Microsoft's docs write it. */
const EXCHANGE_RESOURCES = ['outlook.office365.com', 'outlook.office.com'];

/** Every inconsistency of the ESM settings, in the guide's order; empty when they agree with the app registration. */
export function esmProblems(mailbox: MailboxConfig, esm: Readonly<Record<string, unknown>>): EsmProblem[] {
  const problems: EsmProblem[] = [];
  const get = (k: string): string | undefined =>
    typeof esm[k] === 'string' ? (esm[k] as string).trim() : undefined;
  const setTo = (k: string, v: string) =>
    `In ESM: Maintenance → System settings → Edit Platform Settings, set ${k} = ${v}`;

  for (const k of Object.keys(esm)) {
    if (!KNOWN_KEYS.includes(k))
      problems.push({
        key: k,
        message: 'not an ESM OAuth setting (typo?)',
        fix: `Use one of: ${KNOWN_KEYS.join(', ')}`,
      });
  }
  for (const [k, what] of [
    ['mail.store.oauth.enabled', 'IMAP'],
    ['mail.transport.oauth.enabled', 'SMTP'],
  ] as const) {
    const v = get(k);
    if (v?.toLowerCase() !== 'true')
      problems.push({
        key: k,
        message:
          v === undefined ? `not set: ESM uses basic authentication for ${what}` : `is "${v}", not "true"`,
        fix: setTo(k, 'true'),
      });
  }

  const endpointFix = setTo(
    'mail.oauth.authorize.endpoint',
    `https://${mailbox.cloud.authorityHost}/${mailbox.tenantId}/oauth2/v2.0/authorize`,
  );
  const endpoint = get('mail.oauth.authorize.endpoint');
  if (endpoint === undefined) {
    problems.push({ key: 'mail.oauth.authorize.endpoint', message: 'not set', fix: endpointFix });
  } else {
    const parsed = parseAuthorizeEndpoint(endpoint);
    if ('error' in parsed) {
      problems.push({ key: 'mail.oauth.authorize.endpoint', message: parsed.error, fix: endpointFix });
    } else {
      if (parsed.tenant.toLowerCase() !== mailbox.tenantId.toLowerCase())
        problems.push({
          key: 'mail.oauth.authorize.endpoint',
          message: `tenant "${parsed.tenant}" is not the app registration's tenant "${mailbox.tenantId}"`,
          fix: `${endpointFix} (Directory (tenant) ID from the app registration's Overview page)`,
        });
      if (parsed.authorityHost.toLowerCase() !== mailbox.cloud.authorityHost.toLowerCase())
        problems.push({
          key: 'mail.oauth.authorize.endpoint',
          message: `host "${parsed.authorityHost}" is not the authority "${mailbox.cloud.authorityHost}"`,
          fix: endpointFix,
        });
    }
  }

  const clientFix = setTo('mail.oauth.client.id', mailbox.clientId);
  const client = get('mail.oauth.client.id');
  if (client === undefined)
    problems.push({ key: 'mail.oauth.client.id', message: 'not set', fix: clientFix });
  else if (!GUID.test(client))
    problems.push({
      key: 'mail.oauth.client.id',
      message: 'is not a GUID (Application (client) ID)',
      fix: clientFix,
    });
  else if (client.toLowerCase() !== mailbox.clientId.toLowerCase())
    problems.push({
      key: 'mail.oauth.client.id',
      message: `"${client}" is another app registration than the monitor's "${mailbox.clientId}"`,
      fix: clientFix,
    });

  const wanted = `https://${mailbox.cloud.resourceHost}/IMAP.AccessAsUser.All,https://${mailbox.cloud.resourceHost}/SMTP.Send`;
  const scopesRaw = get('mail.oauth.scopes');
  if (scopesRaw === undefined) {
    problems.push({ key: 'mail.oauth.scopes', message: 'not set', fix: setTo('mail.oauth.scopes', wanted) });
  } else {
    const scopes = parseScopes(scopesRaw);
    const hosts = new Set([...EXCHANGE_RESOURCES, mailbox.cloud.resourceHost.toLowerCase()]);
    for (const perm of ['IMAP.AccessAsUser.All', 'SMTP.Send']) {
      const hit = scopes.find((s) => s.toLowerCase().endsWith(`/${perm.toLowerCase()}`));
      if (!hit) {
        problems.push({
          key: 'mail.oauth.scopes',
          message: `does not contain ${perm}`,
          fix: setTo('mail.oauth.scopes', wanted),
        });
        continue;
      }
      const host = /^https:\/\/([^/]+)\//i.exec(hit)?.[1]?.toLowerCase();
      if (!host || !hosts.has(host))
        problems.push({
          key: 'mail.oauth.scopes',
          message: `${perm} is asked of "${host ?? hit}", not of Exchange Online`,
          fix: setTo('mail.oauth.scopes', wanted),
        });
    }
  }
  return problems;
}
