// Inputs shared by the offline snapshots that the infra tests read (infra/check.sh): bicep
// evaluates main.bicep with these values as Azure would, without Azure. Not used to deploy.
using none

param environmentName = 'ci'
param location = 'swedencentral'
param principalId = '00000000-0000-0000-0000-00000000d0d0'
param operatorKeyHash = '0000000000000000000000000000000000000000000000000000000000000000'
param alertEmail = 'operators@example.com'
param plans = {
  personal: {
    DisplayName: 'Personal 1 TB'
    StorageQuotaBytes: 1099511627776
  }
  family: {
    DeviceLimit: 10
  }
}
