// The user-assigned identity the function app runs as: it reaches both storage accounts and
// Application Insights, and no key or connection string for them exists anywhere.

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
