// mailbox-health: everything one deployment needs, as plain resource declarations (no `br/public:` modules) so that
// `bicep build` works offline. Sections, in dependency order:
// identity → storage → observability → Key Vault → Function App → alerts. See docs/deploy.md.
targetScope = 'resourceGroup'

metadata description = 'mailbox-health: Flex Consumption Function App that monitors service-desk mailboxes'

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds the unique resource names and the azd-env-name tag')
param environmentName string

@description('Region of every resource (defaults to the resource group\'s)')
param location string = resourceGroup().location

@description('Suffix that makes global names unique; keep the default unless you must reproduce older names')
param resourceToken string = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))

@description('Function App name (global DNS name)')
param functionAppName string = 'func-mailbox-health-${resourceToken}'

@maxLength(24)
@description('Storage account name (3-24 lowercase letters and digits, global)')
param storageAccountName string = 'stmbh${resourceToken}'

@maxLength(24)
@description('Key Vault name (3-24 characters, global)')
param keyVaultName string = 'kv-mbh-${resourceToken}'

@minLength(1)
@description('Addresses the Azure Monitor action group e-mails when mailboxes stop reporting or fail')
param adminEmails string[]

@description('NCRONTAB (6 fields, UTC: Flex Consumption has no WEBSITE_TIME_ZONE) of dispatchChecks')
param checkSchedule string = '0 */5 * * * *'

@description('NCRONTAB (6 fields, UTC) of the weekly spam review; Monday 07:00 UTC by default')
param spamReviewSchedule string = '0 0 7 * * 1'

@description('The mailbox-health configuration document (see docs/configuration.md). It carries no secret values: secrets are { "env": "NAME" } references that keyVaultReferences maps to Key Vault secrets. state.tables is set by this template.')
param mailboxConfig object

@description('App settings that carry secrets, as { "<SETTING_NAME>": "<key vault secret name>" }; each becomes a Key Vault reference. Set the secret values yourself (docs/deploy.md): the template never sees them.')
param keyVaultReferences object = {}

@description('Enable Key Vault purge protection (irreversible once enabled; recommended for production)')
param keyVaultPurgeProtection bool = false

@description('Object id of the person or pipeline that provisions (azd passes AZURE_PRINCIPAL_ID): granted Key Vault Secrets Officer so it can set the secret values. Empty: no grant.')
param deployerPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
@description('Kind of deployerPrincipalId')
param deployerPrincipalType string = 'User'

@minValue(1)
@maxValue(1000)
@description('Upper bound on Flex Consumption instances; checks fan out through a queue, one message per mailbox')
param maximumInstanceCount int = 40

// 512 MB (0.25 core) is Flex Consumption's smallest size: a cycle of 16 mailboxes at once peaks at 150–170 MiB
// RSS (docs/performance.md), and on-demand GB-s are billed by this size, so the smallest one costs a quarter.
@allowed([512, 2048, 4096])
@description('Memory per instance (MB)')
param instanceMemoryMB int = 512

@minValue(5)
@description('Minutes without any availability result from a mailbox before the "mailbox silent" alert fires')
param silentMinutes int = 15

@minValue(1)
@description('Runs within 15 minutes in which the same check of one mailbox failed (CRIT) before the "mailbox failing" alert fires')
param failedResultsThreshold int = 2

@description('Tags added to every resource')
param tags object = {}

// ── static outbound IP (optional): parameters ──────────────────────────────────────────────────────────────────
@description('Send all outbound traffic (Entra sign-in, IMAP, SMTP) through a virtual network with a NAT gateway and one static public IP, output as STATIC_OUTBOUND_IP, for tenants whose Conditional Access allows the service account only from known addresses (AADSTS53003 otherwise). Flex Consumption has no fixed outbound IP without it. Needs the Microsoft.App resource provider registered (docs/deploy.md).')
param staticOutboundIp bool = false

@description('Address space of that virtual network (with staticOutboundIp); the integration subnet takes all of it')
param outboundVnetAddressPrefix string = '10.60.0.0/24'

// ── action links: "Move to Inbox" / "Move to <folder>" buttons in the digest and alerts (docs/deploy.md) ────────
@description('HMAC key that signs action links (openssl rand -base64 48). Stored as the Key Vault secret action-link-key; empty: no buttons (an existing secret is left as it is).')
@secure()
param actionLinkKey string = ''

@description('The key before the last rotation, still accepted so last week\'s links keep working (secret action-link-key-previous). Empty: only the current key verifies.')
@secure()
param actionLinkPreviousKey string = ''

@description('true: set the action-link app settings (key references, base URL): mails get buttons. Needs the secret action-link-key (actionLinkKey, or set in the vault by hand).')
param enableActionButtons bool = false

@description('Public URL of the mailboxAction function the links point to; empty: https://<app>.azurewebsites.net/api/mailboxAction.')
param actionBaseUrl string = ''

@description('Client id of an app registration (this tenant) for Entra sign-in in front of the action pages (App Service built-in authentication). Empty: the signed link alone authorizes. See docs/deploy.md on Flex Consumption.')
param actionSignInClientId string = ''

// The queue the dispatcher writes to and the host moves poison messages to (docs/reliability.md); names are the code's.
var checksQueueName = 'mailbox-checks'
var poisonQueueName = 'mailbox-checks-poison'
// Container names are lower-case, 3-63 characters.
var deploymentContainerName = toLower('app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}')
var allTags = union(tags, { 'azd-env-name': environmentName })

// Well-known built-in role definition ids (the same list as REQUIRED_ROLES in src/shared/config/app-settings.ts,
// which the contract test compares with this template).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

// ── identity ────────────────────────────────────────────────────────────────────────────────────────────────────
// One user-assigned identity for everything: host storage, deployment package, tables, telemetry, Key Vault
// references. User-assigned (not system) so role assignments exist before the app first starts.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-mailbox-health-${resourceToken}'
  location: location
  tags: allTags
}

// ── storage ─────────────────────────────────────────────────────────────────────────────────────────────────────
resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  tags: allTags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    // Identity only: no account key can leak, because no account key works.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
}

// For large fleets the configuration document lives here (MAILBOX_HEALTH_CONFIG = { "blob": "<url>" }): app
// settings are size-limited. The app only reads it; docs/deploy.md shows the upload.
resource configContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: 'mailbox-health-config'
}

resource configReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: configContainer
  name: guid(configContainer.id, identity.id, roles.storageBlobDataReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource checksQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: checksQueueName
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: poisonQueueName
}

// Blob Data Owner (not Contributor): the Functions host takes blob leases for timer singletons and keys.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.storageQueueDataContributor
    )
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The state tables (status, alerts, ledger, leases, review) are created by the app on first use: the role allows it.
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.storageTableDataContributor
    )
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ── observability ───────────────────────────────────────────────────────────────────────────────────────────────
resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: 'log-mailbox-health-${resourceToken}'
  location: location
  tags: allTags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-mailbox-health-${resourceToken}'
  location: location
  tags: allTags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Only Entra-authenticated telemetry is accepted: the instrumentation key alone cannot write into it.
    DisableLocalAuth: true
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: appInsights
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ── Key Vault ───────────────────────────────────────────────────────────────────────────────────────────────────
resource keyVault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: keyVaultName
  location: location
  tags: allTags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Key Vault rejects an explicit `false` once purge protection exists, so "off" is expressed as absent.
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: keyVault
  name: guid(keyVault.id, identity.id, roles.keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  scope: keyVault
  name: guid(keyVault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// ── Function App ────────────────────────────────────────────────────────────────────────────────────────────────
resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-mailbox-health-${resourceToken}'
  location: location
  tags: allTags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

// The configuration document, with the state tables pinned to this deployment's storage account (reached by
// identity, so no connection string exists anywhere). Any `state` the caller passed is dropped first: union()
// merges nested objects, and a leftover connectionString beside accountUrl would fail validation at start.
var configWithoutState = toObject(filter(items(mailboxConfig), e => e.key != 'state'), e => e.key, e => e.value)
var effectiveConfig = union(configWithoutState, {
  state: { tables: { accountUrl: storage.properties.primaryEndpoints.table } }
})

// Every { "env": "NAME" } secret in the config becomes an app setting that the platform resolves from Key Vault
// with the user-assigned identity (keyVaultReferenceIdentity below); the value never passes through the template.
var keyVaultAppSettings = [
  for s in items(keyVaultReferences): {
    name: s.key
    value: '@Microsoft.KeyVault(SecretUri=https://${keyVault.name}${environment().suffixes.keyvaultDns}/secrets/${s.value})'
  }
]

// ── action links: the key as Key Vault secrets, app settings as references (never the value) ─────────────────
resource actionKeySecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(actionLinkKey)) {
  parent: keyVault
  name: 'action-link-key'
  properties: { value: actionLinkKey, contentType: 'HMAC-SHA256 key of mailbox-health action links' }
}

resource actionPreviousKeySecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(actionLinkPreviousKey)) {
  parent: keyVault
  name: 'action-link-key-previous'
  properties: { value: actionLinkPreviousKey, contentType: 'previous HMAC-SHA256 key of mailbox-health action links' }
}

var actionSecretUri = 'https://${keyVault.name}${environment().suffixes.keyvaultDns}/secrets'
var actionLinkSettings = enableActionButtons
  ? concat(
      [
        { name: 'ACTION_LINK_KEY', value: '@Microsoft.KeyVault(SecretUri=${actionSecretUri}/action-link-key)' }
        {
          name: 'ACTION_LINK_BASE_URL'
          value: empty(actionBaseUrl) ? 'https://${functionAppName}.azurewebsites.net/api/mailboxAction' : actionBaseUrl
        }
        { name: 'ACTION_SIGN_IN_REQUIRED', value: empty(actionSignInClientId) ? 'false' : 'true' }
      ],
      empty(actionLinkPreviousKey)
        ? []
        : [
            {
              name: 'ACTION_LINK_KEY_PREVIOUS'
              value: '@Microsoft.KeyVault(SecretUri=${actionSecretUri}/action-link-key-previous)'
            }
          ]
    )
  : []

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: functionAppName
  location: location
  // azd deploy finds the app by this tag (service "api" in azure.yaml).
  tags: union(allTags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    // Static outbound IP: the app joins the NAT gateway's subnet and routes everything through it.
    virtualNetworkSubnetId: staticOutboundIp ? outboundSubnetId : null
    outboundVnetRouting: { allTraffic: staticOutboundIp }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION: the runtime is below.
      appSettings: concat(
        [
          { name: 'AzureWebJobsStorage__accountName', value: storage.name }
          { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
          { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
          { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
          {
            name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
            value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
          }
          { name: 'CHECK_SCHEDULE', value: checkSchedule }
          { name: 'SPAM_REVIEW_SCHEDULE', value: spamReviewSchedule }
          { name: 'MAILBOX_HEALTH_CONFIG', value: string(effectiveConfig) }
        ],
        keyVaultAppSettings,
        actionLinkSettings
      )
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'node', version: '22' }
    }
  }
  // The host reads its storage and the package with these roles from its first start.
  dependsOn: [
    deploymentContainer
    checksQueue
    poisonQueue
    blobOwner
    queueContributor
    tableContributor
    metricsPublisher
    secretsUser
    outboundVnet // only with staticOutboundIp: the subnet must exist before the app joins it
  ]
}

// ── static outbound IP (optional): NAT gateway, public IP, virtual network ─────────────────────────────────────
// Flex Consumption apps have no fixed outbound address; a NAT gateway on the app's integration subnet gives all of
// its outbound traffic one static public IP (Microsoft Learn: "Azure Functions networking options" → NAT gateway;
// "Flex Consumption plan" → virtual network integration, subnet delegated to Microsoft.App/environments).
resource outboundIp 'Microsoft.Network/publicIPAddresses@2025-05-01' = if (staticOutboundIp) {
  name: 'pip-mailbox-health-${resourceToken}'
  location: location
  tags: allTags
  sku: { name: 'Standard', tier: 'Regional' }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2025-05-01' = if (staticOutboundIp) {
  name: 'ng-mailbox-health-${resourceToken}'
  location: location
  tags: allTags
  sku: { name: 'Standard' }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [{ id: outboundIp.id }]
  }
}

var outboundSubnetName = 'snet-functions'

resource outboundVnet 'Microsoft.Network/virtualNetworks@2025-05-01' = if (staticOutboundIp) {
  name: 'vnet-mailbox-health-${resourceToken}'
  location: location
  tags: allTags
  properties: {
    addressSpace: { addressPrefixes: [outboundVnetAddressPrefix] }
    subnets: [
      {
        name: outboundSubnetName
        properties: {
          addressPrefix: outboundVnetAddressPrefix
          delegations: [{ name: 'flex-consumption', properties: { serviceName: 'Microsoft.App/environments' } }]
          natGateway: { id: natGateway.id }
        }
      }
    ]
  }
}

var outboundSubnetId = resourceId(
  'Microsoft.Network/virtualNetworks/subnets',
  'vnet-mailbox-health-${resourceToken}',
  outboundSubnetName
)

// Optional Entra sign-in in front of the action pages: App Service built-in authentication, tokens of this tenant
// only (the issuer is the tenant's), the health endpoint left to its function key. Microsoft documented built-in
// authentication as not supported on Flex Consumption (unauthenticated callers not blocked) during the plan's
// preview: the app therefore also refuses action requests without the platform's principal header
// (ACTION_SIGN_IN_REQUIRED), and the signed link stays the authorization either way (docs/deploy.md).
resource actionSignIn 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(actionSignInClientId)) {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: ['/api/health']
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: actionSignInClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: { allowedAudiences: [actionSignInClientId, 'api://${actionSignInClientId}'] }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

// ── alerts (Azure Monitor: independent of the app's own mail path) ──────────────────────────────────────────────
resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-mailbox-health-${resourceToken}'
  location: 'Global'
  tags: allTags
  properties: {
    groupShortName: 'mbxhealth'
    enabled: true
    emailReceivers: [
      for (address, i) in adminEmails: {
        name: 'admin-${i}'
        emailAddress: address
        useCommonAlertSchema: true
      }
    ]
  }
}

// Availability results carry the mailbox id as customDimensions.mailbox (falling back to the result name).
var mailboxColumn = 'mailbox = coalesce(tostring(customDimensions["mailbox"]), name)'

// A mailbox that reported in the last day but not in the last `silentMinutes`, plus one "(all)" row when nothing
// reported at all: the app is down, its timer stopped or its telemetry cannot authenticate.
var silentQuery = '''
let silentAfter = {0}m;
availabilityResults
| where timestamp > ago(1d)
| extend {1}
| summarize lastResult = max(timestamp) by mailbox
| where lastResult < ago(silentAfter)
| union (availabilityResults | where timestamp > ago(silentAfter) | summarize n = count() | where n == 0 | project mailbox = "(all)", lastResult = datetime(null))
'''

resource silentAlert 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'mailbox-health-silent-${resourceToken}'
  location: location
  tags: allTags
  kind: 'LogAlert'
  properties: {
    displayName: 'mailbox-health: no result from a mailbox for ${silentMinutes} minutes'
    description: 'No availability result from a mailbox: the Function App, its timer, the queue or telemetry is down. See docs/deploy.md "What each alert means".'
    severity: 1
    enabled: true
    scopes: [appInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    // The query looks back a day to know which mailboxes exist; the window only sets the evaluation cadence.
    overrideQueryTimeRange: 'P1D'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: format(silentQuery, silentMinutes, mailboxColumn)
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [{ name: 'mailbox', operator: 'Include', values: ['*'] }]
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}

// One availability result per check per run (name "<mailbox>/<check>", customDimensions.status). A failing
// connectivity check also makes the later checks UNKNOWN "skipped", so those are not counted: the measure is how many
// runs in the window the worst check of that mailbox failed in — 2 matches the app's own connectivity threshold.
var failedQuery = '''
availabilityResults
| where not(tobool(success))
| where tostring(customDimensions["status"]) != "UNKNOWN"
| extend {0}, check = tostring(customDimensions["check"])
| summarize failedRuns = count() by mailbox, check
| summarize failures = max(failedRuns) by mailbox
'''

resource failedAlert 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'mailbox-health-failed-${resourceToken}'
  location: location
  tags: allTags
  kind: 'LogAlert'
  properties: {
    displayName: 'mailbox-health: failed availability results'
    description: 'The same check of a mailbox was CRIT in several runs (mail is not flowing or will stop). The result name is <mailbox>/<check>; customDimensions.setupStep names the fix.'
    severity: 1
    enabled: true
    scopes: [appInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: format(failedQuery, mailboxColumn)
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThanOrEqual'
          threshold: failedResultsThreshold
          dimensions: [{ name: 'mailbox', operator: 'Include', values: ['*'] }]
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}

// ── outputs (azd stores them in .azure/<env>/.env; names, ids and endpoints only — never a secret or key) ─────
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = subscription().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.properties.defaultHostName}'
output AZURE_KEY_VAULT_NAME string = keyVault.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.properties.vaultUri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.name
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.properties.primaryEndpoints.table
output AZURE_CONFIG_BLOB_URL string = '${storage.properties.primaryEndpoints.blob}${configContainer.name}/mailboxes.json'
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.properties.clientId
output APPLICATIONINSIGHTS_NAME string = appInsights.name
// The address to allow in the tenant's Conditional Access named location (empty without staticOutboundIp).
output STATIC_OUTBOUND_IP string = staticOutboundIp ? outboundIp!.properties.ipAddress : ''
