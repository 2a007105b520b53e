// The same deployment with the deployer's data roles asked for (grantDeployerDataAccess).
using '../main.bicep'
extends 'base.bicepparam'

param grantDeployerDataAccess = true
