// A custom role holding one data action: writing blob index tags. The backend marks content
// that only old versions point at (backazon-state=old) so that lifecycle management tiers it
// (data-storage.bicep); no built-in role below Storage Blob Data Owner can write tags, and
// Owner would add far more than that.

@description('The role definition\'s GUID (fixed per resource group, so redeploying updates it).')
param roleId string

resource taggerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: roleId
  properties: {
    // Role names are unique in a tenant: one per resource group.
    roleName: 'Backazon content tagger (${resourceGroup().name})'
    description: 'Write blob index tags only (no read, write or delete of blob data). Lets Backazon mark old content for lifecycle tiering.'
    type: 'customRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags/write'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}
