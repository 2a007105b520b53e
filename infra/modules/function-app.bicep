// The Flex Consumption plan and the function app (isolated worker, .NET 10), running as the
// user-assigned identity, with the app settings Backazon.Backend reads in Azure.

import { planOverrides } from 'types.bicep'

param name string
param planName string
param location string
param tags object

param identityId string
param identityClientId string

@description('Blob endpoint of the host storage account (ends with a slash).')
param hostBlobEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string

@description('Log Analytics workspace receiving the function app\'s platform logs and metrics.')
param logAnalyticsWorkspaceId string

param dataBlobEndpoint string
param dataQueueEndpoint string
param dataTableEndpoint string

@secure()
param operatorKeyHash string
param customerSignInAuthority string
param customerSignInAudience string
param customerSignInClientId string
param customerSignInScope string
param uploadSasMinutes int
param downloadLinkHours int
param grantSweepSchedule string
param retentionSchedule string
param purgeAfterDays int
param staleDeviceHours int
param staleDeviceWebhookUrl string
param contentReleaseDelayHours int
param sweepBudgetSeconds int
param plans planOverrides

param maximumInstanceCount int
param instanceMemoryMB int

// What the Functions host itself needs: its storage and telemetry, both by identity.
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: hostBlobEndpoint
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // DefaultAzureCredential picks the user-assigned identity by this client id.
  AZURE_CLIENT_ID: identityClientId
}

// What Backazon.Backend reads: AppSettings.ReadInAzure (checked by the infra tests).
var backazonSettings = {
  DataStorage__blobServiceUri: dataBlobEndpoint
  DataStorage__queueServiceUri: dataQueueEndpoint
  DataStorage__tableServiceUri: dataTableEndpoint
  DataStorage__credential: 'managedidentity'
  DataStorage__clientId: identityClientId
  Operator__KeyHash: operatorKeyHash
  CustomerSignIn__Authority: customerSignInAuthority
  CustomerSignIn__Audience: customerSignInAudience
  CustomerSignIn__ClientId: customerSignInClientId
  CustomerSignIn__Scope: customerSignInScope
  Sas__UploadMinutes: string(uploadSasMinutes)
  Sas__DownloadHours: string(downloadLinkHours)
  GRANT_SWEEP_SCHEDULE: grantSweepSchedule
  RETENTION_SCHEDULE: retentionSchedule
  Lifecycle__PurgeAfterDays: string(purgeAfterDays)
  Lifecycle__StaleDeviceHours: string(staleDeviceHours)
  Lifecycle__StaleDeviceWebhookUrl: staleDeviceWebhookUrl
  Lifecycle__ContentReleaseDelayHours: string(contentReleaseDelayHours)
  Lifecycle__SweepBudgetSeconds: string(sweepBudgetSeconds)
}

// { personal: { DeviceLimit: 5 } } becomes Plans__personal__DeviceLimit = "5".
var planSettings = toObject(
  flatten(map(items(plans), plan => map(items(plan.value), field => {
    name: 'Plans__${plan.key}__${field.key}'
    value: string(field.value)
  }))),
  setting => setting.name,
  setting => setting.value
)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(hostSettings, backazonSettings, planSettings)
  }
}

// The host's own log (start, stop, scale, every function run) next to Application Insights'
// telemetry, in the same workspace.
resource siteDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      { category: 'FunctionAppLogs', enabled: true }
    ]
    metrics: [
      { category: 'AllMetrics', enabled: true }
    ]
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
