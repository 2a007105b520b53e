// Backazon in one resource group: the function app (Flex Consumption) running as a
// user-assigned identity, a hardened data storage account for customer content, catalog and
// queues, the host's own storage, and monitoring. `azd up` deploys it; infra/README.md explains.

targetScope = 'subscription'

import { planOverrides } from 'modules/types.bicep'

@minLength(1)
@maxLength(64)
@description('azd environment name: part of every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region for every resource (one that offers Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group name; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the person (or pipeline) deploying (azd sets it). Gets data roles only with grantDeployerDataAccess.')
param principalId string = ''

// Off by default: whoever deploys would otherwise read and delete every customer's files.
@description('Grant principalId the app\'s data roles on the customer data account (to run the backend locally against Azure). Off by default.')
param grantDeployerDataAccess bool = false

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@secure()
@minLength(64)
@maxLength(64)
@description('SHA-256 of the operator key, 64 lowercase hex digits (see infra/README.md).')
param operatorKeyHash string

@description('Customer sign-in: the OpenID Connect authority of the Microsoft Entra External ID tenant, https://TENANT.ciamlogin.com/TENANT-ID/v2.0 (infra/README.md, "Customer sign-in"). Empty: nobody can sign in as a customer; devices and operators work as before.')
param customerSignInAuthority string = ''

@description('Customer sign-in: the audience of the customer API\'s app registration (its application (client) ID).')
param customerSignInAudience string = ''

@description('Customer sign-in: the client id of the web page\'s app registration (a single-page application, code flow with PKCE).')
param customerSignInClientId string = ''

@description('Customer sign-in: the scopes the web page asks for, for example "openid email api://API-CLIENT-ID/backazon".')
param customerSignInScope string = ''

@description('Data account replication (see infra/README.md for what each keeps and risks). Standard_LRS keeps every copy in one datacenter: cheaper by a fifth, lost with that datacenter.')
@allowed(['Standard_ZRS', 'Standard_LRS', 'Standard_GZRS', 'Standard_RAGZRS', 'Standard_GRS', 'Standard_RAGRS'])
param dataStorageSku string = 'Standard_ZRS'

@description('Days deleted blobs and containers stay restorable by an operator.')
@minValue(1)
@maxValue(365)
param softDeleteDays int = 14

@description('Lifetime of upload SAS URLs, in minutes.')
@minValue(1)
@maxValue(60)
param uploadSasMinutes int = 15

@description('Lifetime of download links, in hours.')
@minValue(1)
@maxValue(168)
param downloadLinkHours int = 8

@description('Six-field NCRONTAB schedule of the sweep of abandoned upload grants.')
param grantSweepSchedule string = '0 */15 * * * *'

@description('Six-field NCRONTAB schedule of the daily retention fan-out.')
param retentionSchedule string = '0 30 3 * * *'

@description('Days after cancellation before an account\'s data is purged (operators can hold a purge).')
@minValue(1)
param purgeAfterDays int = 30

@description('Hours without a completed backup before a device is flagged as stale.')
@minValue(1)
param staleDeviceHours int = 36

@description('Optional URL called (POST) once per newly stale device; empty for none.')
param staleDeviceWebhookUrl string = ''

@description('Hours content must stay unreferenced before it is deleted (protects uploads about to be committed).')
@minValue(1)
param contentReleaseDelayHours int = 24

@description('Seconds one account sweep may run before it re-queues itself to continue.')
@minValue(30)
param sweepBudgetSeconds int = 300

@description('Overrides of the built-in plans (trial, personal, family) or new plans, for example { personal: { StorageQuotaBytes: 1099511627776 } }.')
param plans planOverrides = {}

@description('Move content that only old versions point at (blob index tag backazon-state=old) to cool, then cold storage. See infra/README.md, "Tiering old content".')
param tierOldContent bool = true

@description('Days after upload before tagged old content moves to cool. At least 30: last month\'s versions are the ones people restore most.')
@minValue(30)
param coolAfterDays int = 30

@description('Days after upload before tagged old content moves to cold (minimum stay: 90 days). At least coolAfterDays + 30, so content that went to cool stays there 30 days.')
@minValue(60)
param coldAfterDays int = 180

@minLength(3)
@description('E-mail address the alerts are sent to (an operator, or a team list).')
param alertEmail string

@description('Failed function executions within 15 minutes that raise an alert.')
@minValue(0)
param failedExecutionsThreshold int = 5

@description('Throttled (503/429) data account requests within 15 minutes that raise an alert.')
@minValue(0)
param throttledRequestsThreshold int = 10

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([2048, 4096])
param instanceMemoryMB int = 2048

var abbrs = {
  resourceGroup: 'rg-'
  identity: 'id-'
  plan: 'plan-'
  functionApp: 'func-'
  hostStorage: 'st'
  dataStorage: 'stdata'
  logAnalytics: 'log-'
  applicationInsights: 'appi-'
  actionGroup: 'ag-'
  alert: 'alert-'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var deploymentContainerName = 'app-package'
var dataStorageName = '${abbrs.dataStorage}${resourceToken}'
var hostStorageName = '${abbrs.hostStorage}${resourceToken}'
var logAnalyticsName = '${abbrs.logAnalytics}${resourceToken}'
var applicationInsightsName = '${abbrs.applicationInsights}${resourceToken}'

// Built-in role definition ids, as listed in Azure's built-in roles reference.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}
// The custom role that writes blob index tags only (modules/content-tagger-role.bicep): one
// definition per resource group, so its GUID is fixed by the group.
var contentTaggerRoleId = guid(rg.id, 'backazon-content-tagger')
// Blob Data Contributor includes generateUserDelegationKey, so no Blob Delegator is needed.
var dataRoles = [
  roles.storageBlobDataContributor
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]
// The Flex Consumption host keeps its deployment package and leases in blobs.
var hostRoles = [
  roles.storageBlobDataOwner
]
// The identity's principal id exists only once the identity does, so the lines passing it carry
// `#disable-next-line what-if-short-circuiting`: What-If predicts those assignments less exactly.

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.identity}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
    #disable-next-line what-if-short-circuiting
    publisherPrincipalId: identity.outputs.principalId
  }
}

// The web page is served by the function app; browsers fetch signed links from data storage on
// its behalf, so that origin (and no other) may read blobs cross-origin.
var functionAppName = '${abbrs.functionApp}api-${resourceToken}'
var webPageOrigin = 'https://${functionAppName}.azurewebsites.net'

module dataStorage 'modules/data-storage.bicep' = {
  name: 'data-storage'
  scope: rg
  params: {
    name: dataStorageName
    location: location
    tags: tags
    skuName: dataStorageSku
    softDeleteDays: softDeleteDays
    tierOldContent: tierOldContent
    coolAfterDays: coolAfterDays
    coldAfterDays: coldAfterDays
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
    webPageOrigin: webPageOrigin
  }
}

module hostStorage 'modules/host-storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    name: hostStorageName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module contentTaggerRole 'modules/content-tagger-role.bicep' = {
  name: 'content-tagger-role'
  scope: rg
  params: {
    roleId: contentTaggerRoleId
  }
}

module appDataRoles 'modules/storage-roles.bicep' = {
  name: 'app-data-roles'
  scope: rg
  params: {
    storageAccountName: dataStorageName
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
    // The tagger role marks old content for tiering (see tierOldContent).
    roleDefinitionIds: concat(dataRoles, [contentTaggerRoleId])
  }
  dependsOn: [
    dataStorage
    contentTaggerRole
  ]
}

module appHostRoles 'modules/storage-roles.bicep' = {
  name: 'app-host-roles'
  scope: rg
  params: {
    storageAccountName: hostStorageName
    #disable-next-line what-if-short-circuiting
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionIds: hostRoles
  }
  dependsOn: [
    hostStorage
  ]
}

module deployerDataRoles 'modules/storage-roles.bicep' = if (grantDeployerDataAccess && !empty(principalId)) {
  name: 'deployer-data-roles'
  scope: rg
  params: {
    storageAccountName: dataStorageName
    principalId: principalId
    principalType: principalType
    roleDefinitionIds: dataRoles
  }
  dependsOn: [
    dataStorage
  ]
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.plan}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostBlobEndpoint: hostStorage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
    dataBlobEndpoint: dataStorage.outputs.blobEndpoint
    dataQueueEndpoint: dataStorage.outputs.queueEndpoint
    dataTableEndpoint: dataStorage.outputs.tableEndpoint
    operatorKeyHash: operatorKeyHash
    customerSignInAuthority: customerSignInAuthority
    customerSignInAudience: customerSignInAudience
    customerSignInClientId: customerSignInClientId
    customerSignInScope: customerSignInScope
    uploadSasMinutes: uploadSasMinutes
    downloadLinkHours: downloadLinkHours
    grantSweepSchedule: grantSweepSchedule
    retentionSchedule: retentionSchedule
    purgeAfterDays: purgeAfterDays
    staleDeviceHours: staleDeviceHours
    staleDeviceWebhookUrl: staleDeviceWebhookUrl
    contentReleaseDelayHours: contentReleaseDelayHours
    sweepBudgetSeconds: sweepBudgetSeconds
    plans: plans
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The app starts reading storage as soon as it exists: grant its roles first.
  dependsOn: [
    appDataRoles
    appHostRoles
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    actionGroupName: '${abbrs.actionGroup}${resourceToken}'
    alertNamePrefix: '${abbrs.alert}${resourceToken}-'
    location: location
    tags: tags
    alertEmail: alertEmail
    dataStorageAccountName: dataStorageName
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
    // StorageNames.PoisonSuffix: the suffix the Functions host gives a queue's poison queue.
    poisonSuffix: '-poison'
    failedExecutionsThreshold: failedExecutionsThreshold
    throttledRequestsThreshold: throttledRequestsThreshold
  }
  dependsOn: [
    dataStorage
    monitoring
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = functionApp.outputs.url
output DATA_STORAGE_ACCOUNT_NAME string = dataStorage.outputs.name
output DATA_STORAGE_BLOB_ENDPOINT string = dataStorage.outputs.blobEndpoint
output HOST_STORAGE_ACCOUNT_NAME string = hostStorage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
