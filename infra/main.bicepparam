// Parameters for `azd provision` / `azd up`: every value comes from the azd environment (.azure/<env>/.env, set with
// `azd env set NAME VALUE`), so one checkout serves many environments — one per tenant for an MSP.
// Required: MAILBOX_HEALTH_CONFIG_JSON (the config document, one line: `jq -c . mailbox-health.json`) and
// MAILBOX_HEALTH_ADMIN_EMAILS (comma-separated). See docs/deploy.md.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')
param mailboxConfig = json(readEnvironmentVariable('MAILBOX_HEALTH_CONFIG_JSON'))
param adminEmails = split(readEnvironmentVariable('MAILBOX_HEALTH_ADMIN_EMAILS'), ',')
// { "SETTING_NAME": "key-vault-secret-name" } for every { "env": "SETTING_NAME" } secret in the config.
param keyVaultReferences = json(readEnvironmentVariable('MAILBOX_HEALTH_KEY_VAULT_REFERENCES', '{}'))
param checkSchedule = readEnvironmentVariable('CHECK_SCHEDULE', '0 */5 * * * *')
param spamReviewSchedule = readEnvironmentVariable('SPAM_REVIEW_SCHEDULE', '0 0 7 * * 1')
// Static outbound IP through a NAT gateway (output STATIC_OUTBOUND_IP) for Conditional Access named locations.
param staticOutboundIp = bool(readEnvironmentVariable('MAILBOX_HEALTH_STATIC_OUTBOUND_IP', 'false'))
param keyVaultPurgeProtection = bool(readEnvironmentVariable('MAILBOX_HEALTH_KV_PURGE_PROTECTION', 'false'))
// azd sets AZURE_PRINCIPAL_ID to whoever runs it: that principal may then write the secrets into the vault.
param deployerPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param deployerPrincipalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
// Action buttons (docs/deploy.md "Action buttons"): the key, once and then only to rotate; the sign-in app (optional).
param actionLinkKey = readEnvironmentVariable('MAILBOX_HEALTH_ACTION_LINK_KEY', '')
param actionLinkPreviousKey = readEnvironmentVariable('MAILBOX_HEALTH_ACTION_LINK_KEY_PREVIOUS', '')
param enableActionButtons = bool(readEnvironmentVariable('MAILBOX_HEALTH_ACTION_BUTTONS', 'false'))
param actionBaseUrl = readEnvironmentVariable('MAILBOX_HEALTH_ACTION_BASE_URL', '')
param actionSignInClientId = readEnvironmentVariable('MAILBOX_HEALTH_ACTION_SIGN_IN_CLIENT_ID', '')
