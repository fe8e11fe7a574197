/**
 * The app settings the Function App reads besides MAILBOX_HEALTH_CONFIG. This is the one list the infra contract
 * test compares with the Bicep template: a setting is either set there or documented here as optional with its default.
 */
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
    name: 'MAILBOX_CHECKS_QUEUE_URL',
    required: false,
    default: 'derived from AzureWebJobsStorage',
    purpose: 'queue service URL dispatchChecks writes to when not using the output binding',
  },
];

export interface AppSettings {
  appInsightsConnectionString?: string;
  appInsightsAuthenticationString?: string;
  managedIdentityClientId?: string;
}

export function readAppSettings(env: NodeJS.ProcessEnv = process.env): AppSettings {
  const s: AppSettings = {};
  const set = (v: string | undefined) => (v && v.trim() !== '' ? v : undefined);
  const cs = set(env.APPLICATIONINSIGHTS_CONNECTION_STRING);
  if (cs) s.appInsightsConnectionString = cs;
  const as = set(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING);
  if (as) s.appInsightsAuthenticationString = as;
  const id = set(env.AZURE_CLIENT_ID);
  if (id) s.managedIdentityClientId = id;
  return s;
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
    why: 'state tables (status, alerts, ledger, leases, review, slots) through state.tables.accountUrl',
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
