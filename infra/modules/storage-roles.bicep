// Grants one principal a list of built-in roles on one storage account: one loop, one scope.

param storageAccountName string
param principalId string

@allowed(['ServicePrincipal', 'User', 'Group'])
param principalType string

@description('Built-in role definition GUIDs.')
param roleDefinitionIds string[]

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in roleDefinitionIds: {
    name: guid(storage.id, principalId, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: principalId
      principalType: principalType
    }
  }
]
