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
