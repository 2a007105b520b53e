// The customer data account: file content (blobs), the catalog and accounts (tables) and the
// work queues. Only Entra ID identities reach it: shared keys are off, so every SAS the backend
// hands out is a user delegation SAS and can be revoked by revoking user delegation keys.

param name string
param location string
param tags object

@description('Replication. Every allowed value but Standard_LRS keeps copies in more than one zone or region; LRS is the operator\'s explicit choice (infra/README.md).')
@allowed(['Standard_ZRS', 'Standard_LRS', 'Standard_GZRS', 'Standard_RAGZRS', 'Standard_GRS', 'Standard_RAGRS'])
param skuName string

@description('Days a deleted blob or container can still be restored by an operator.')
@minValue(1)
@maxValue(365)
param softDeleteDays int

@description('Whether the lifecycle rule that tiers old content is enabled.')
param tierOldContent bool

@description('Days after upload before tagged content moves to cool.')
param coolAfterDays int

@description('Days after upload before tagged content moves to cold.')
param coldAfterDays int

@description('Log Analytics workspace receiving the blob, queue and table logs.')
param logAnalyticsWorkspaceId string

@description('The web page\'s origin (scheme and host), the one origin allowed to read blobs cross-origin.')
param webPageOrigin string

// The same names as Backazon.Backend.Configuration.StorageNames (checked by the infra tests).
var contentContainer = 'content'
var containers = [contentContainer, 'uploads', 'uploader']
var queues = ['catalog', 'catalog-poison', 'retention', 'retention-poison']
var tables = ['Accounts', 'EnrollmentCodes', 'Members', 'Catalog', 'Due', 'References']

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    // Uploaders send bytes straight here with SAS URLs, so the endpoint stays public;
    // every request still needs an Entra token or a user delegation SAS.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    // The web page downloads straight from here through signed links: its origin may GET and
    // HEAD blobs (with a Range header, to resume), nothing else and no one else.
    cors: {
      corsRules: [
        {
          allowedOrigins: [webPageOrigin]
          allowedMethods: ['GET', 'HEAD']
          allowedHeaders: ['range']
          exposedHeaders: ['content-length', 'content-disposition', 'etag']
          maxAgeInSeconds: 3600
        }
      ]
    }
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = [
  for container in containers: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

// Content only old versions point at, which the backend tags backazon-state=old (infra/README.md,
// "Tiering old content"), moves to cool and then cold by age; both are online tiers, so the
// same read SAS restores it. Lifecycle can only count days since the upload, not since the tag:
// the backend tags only content its plan keeps at least 90 more days (cold's minimum stay,
// longer than cool's 30), and coldAfterDays >= coolAfterDays + 30 keeps content that went to
// cool there 30 days unless it was tagged late (the cost model accounts for that case).
// Content that is not tagged is never moved: current content stays hot.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'tier-old-content'
          enabled: tierOldContent
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['${contentContainer}/']
              blobIndexMatch: [
                {
                  name: 'backazon-state'
                  op: '=='
                  value: 'old'
                }
              ]
            }
            actions: {
              baseBlob: {
                tierToCool: {
                  daysAfterModificationGreaterThan: coolAfterDays
                }
                tierToCold: {
                  daysAfterModificationGreaterThan: max(coldAfterDays, coolAfterDays + 30)
                }
              }
            }
          }
        }
      ]
    }
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource storageQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [
  for queue in queues: {
    parent: queueService
    name: queue
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource storageTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' = [
  for table in tables: {
    parent: tableService
    name: table
  }
]

// Every read, write and delete of the three services, into Log Analytics: who touched which
// customer's data (an audit trail), and the queue writes the poison-queue alert counts.
var serviceDiagnostics = {
  workspaceId: logAnalyticsWorkspaceId
  logs: [
    { category: 'StorageRead', enabled: true }
    { category: 'StorageWrite', enabled: true }
    { category: 'StorageDelete', enabled: true }
  ]
  metrics: [
    { category: 'Transaction', enabled: true }
  ]
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: serviceDiagnostics
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: queueService
  properties: serviceDiagnostics
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
  properties: serviceDiagnostics
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
