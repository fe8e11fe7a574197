/**
 * The app settings the Function App reads besides MAILBOX_HEALTH_CONFIG. This is the one list the infra contract
 * test compares with the Bicep template: a setting is either set there or documented here as optional with its default.
 */
import { ConfigError } from './errors.js';

/**
 * Two minutes: with the default 60 s mailbox deadline every run ends by minute 3 of a 5-minute cycle, and a
 * thousand logins arrive at about 8 a second instead of at once.
 */
export const DEFAULT_SPREAD_SECONDS = 120;

export interface AppSettingSpec {
  name: string;
  required: boolean;
  /** What happens when it is absent. */
  default?: string;
  purpose: string;
}

export const APP_SETTINGS: readonly AppSettingSpec[] = [
  { name: 'MAILBOX_HEALTH_CONFIG', required: true, purpose: 'the configuration document (JSON)' },
  { name: 'CHECK_SCHEDULE', required: true, purpose: 'NCRONTAB (6 fields, UTC) of dispatchChecks' },
  { name: 'SPAM_REVIEW_SCHEDULE', required: true, purpose: 'NCRONTAB (6 fields, UTC) of spamReview' },
  {
    name: 'AzureWebJobsStorage__accountName',
    required: true,
    purpose: 'host storage, reached by identity (queues)',
  },
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    required: false,
    default: 'telemetry disabled',
    purpose: 'Application Insights ingestion',
  },
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    required: false,
    default: 'telemetry sent without Entra authentication',
    purpose: 'Authorization=AAD;ClientId=<managed identity client id>',
  },
  {
    name: 'AZURE_CLIENT_ID',
    required: false,
    default: 'system-assigned identity',
    purpose: 'client id of the user-assigned managed identity (DefaultAzureCredential)',
  },
  {
    name: 'CHECK_SPREAD_SECONDS',
    required: false,
    default: String(DEFAULT_SPREAD_SECONDS),
    purpose:
      'dispatchChecks spreads the check messages over this many seconds of each cycle (0 = all at once)',
  },
  // ── action links (config/action-settings.ts) ──
  {
    name: 'ACTION_LINK_KEY',
    required: false,
    default: 'no action buttons in mails',
    purpose: 'HMAC-SHA256 key that signs action links (a Key Vault reference)',
  },
  {
    name: 'ACTION_LINK_KEY_PREVIOUS',
    required: false,
    default: 'only the current key verifies',
    purpose: 'the key before the last rotation, still accepted (a Key Vault reference)',
  },
  {
    name: 'ACTION_LINK_BASE_URL',
    required: false,
    default: 'no action buttons in mails',
    purpose: 'public URL of the mailboxAction function the links point to',
  },
  {
    name: 'ACTION_SIGN_IN_REQUIRED',
    required: false,
    default: 'false (the signed link is the authorization)',
    purpose: "true: refuse action requests that did not pass the platform's Entra sign-in",
  },
];

export interface AppSettings {
  appInsightsConnectionString?: string;
  appInsightsAuthenticationString?: string;
  managedIdentityClientId?: string;
  /** Where dispatchChecks puts the check messages: the host's storage (AzureWebJobsStorage) unless overridden. */
  checkQueue?: { connectionString: string } | { serviceUrl: string; clientId?: string };
  /** Seconds over which dispatchChecks spreads one cycle's messages. */
  dispatchSpreadSeconds?: number;
}

export function readAppSettings(env: NodeJS.ProcessEnv = process.env): AppSettings {
  const set = (v: string | undefined) => (v && v.trim() !== '' ? v : undefined);
  const s: AppSettings = { dispatchSpreadSeconds: spreadSetting(set(env.CHECK_SPREAD_SECONDS)) };
  const cs = set(env.APPLICATIONINSIGHTS_CONNECTION_STRING);
  if (cs) s.appInsightsConnectionString = cs;
  const as = set(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING);
  if (as) s.appInsightsAuthenticationString = as;
  const id = set(env.AZURE_CLIENT_ID);
  if (id) s.managedIdentityClientId = id;
  // The host's own storage connection, in the forms the Functions host accepts: a connection string (local,
  // Azurite) or identity-based `__queueServiceUri` / `__accountName` with `__clientId` for a user-assigned identity.
  const queueUrl = set(env.AzureWebJobsStorage__queueServiceUri);
  const account = set(env.AzureWebJobsStorage__accountName);
  const clientId = set(env.AzureWebJobsStorage__clientId) ?? id;
  const hostStorage = set(env.AzureWebJobsStorage);
  if (queueUrl) s.checkQueue = { serviceUrl: queueUrl, ...(clientId ? { clientId } : {}) };
  else if (hostStorage) s.checkQueue = { connectionString: hostStorage };
  else if (account)
    s.checkQueue = {
      serviceUrl: `https://${account}.queue.core.windows.net`,
      ...(clientId ? { clientId } : {}),
    };
  return s;
}

/** Whole seconds from 0 to 3600; a bad value fails at start naming the setting. */
function spreadSetting(v: string | undefined): number {
  if (v === undefined) return DEFAULT_SPREAD_SECONDS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 3600) {
    throw new ConfigError(
      [{ path: 'CHECK_SPREAD_SECONDS', message: `expected whole seconds from 0 to 3600, got "${v}"` }],
      'app settings',
    );
  }
  return n;
}

/** An Azure built-in role the Function App's managed identity must hold (compared with infra/main.bicep). */
export interface RequiredRole {
  name: string;
  /** The built-in role definition id: the same GUID in every tenant. */
  roleDefinitionId: string;
  /** Which resource the assignment is scoped to. */
  scope: 'storage' | 'appInsights' | 'keyVault';
  why: string;
}

export const REQUIRED_ROLES: readonly RequiredRole[] = [
  {
    name: 'Storage Blob Data Owner',
    roleDefinitionId: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    scope: 'storage',
    why: 'host storage (timer singleton leases) and the Flex Consumption deployment package',
  },
  {
    name: 'Storage Queue Data Contributor',
    roleDefinitionId: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    scope: 'storage',
    why: 'the mailbox-checks queue and its poison queue',
  },
  {
    name: 'Storage Table Data Contributor',
    roleDefinitionId: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    scope: 'storage',
    why: 'state tables (status, alerts, ledger, leases, review, actions, slots) through state.tables.accountUrl',
  },
  {
    name: 'Monitoring Metrics Publisher',
    roleDefinitionId: '3913510d-42f4-4e42-8a64-420c390055eb',
    scope: 'appInsights',
    why: 'telemetry into Application Insights with local auth disabled',
  },
  {
    name: 'Key Vault Secrets User',
    roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6',
    scope: 'keyVault',
    why: 'Key Vault references that carry the mailbox secrets into app settings',
  },
];
