// What reaches a person when something breaks: one action group (e-mail) and three alert
// rules. infra/README.md ("When an alert fires") says, for each, what it means, what to look
// at and what to do.

param actionGroupName string
param alertNamePrefix string
param location string
param tags object

@description('Where alerts are sent.')
param alertEmail string

@description('The data account (throttling) and its name (poison-queue query).')
param dataStorageAccountName string

@description('Log Analytics workspace receiving the data account\'s queue logs (diagnostic settings).')
param logAnalyticsName string

param applicationInsightsName string

@description('Suffix of the queues the Functions host moves a message to after its last failed try (StorageNames.PoisonSuffix).')
param poisonSuffix string

@description('Failed function executions in 15 minutes that raise the alert.')
param failedExecutionsThreshold int

@description('Throttled storage requests in 15 minutes that raise the alert.')
param throttledRequestsThreshold int

resource dataAccount 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: dataStorageAccountName
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'backazon'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Queue metrics have no per-queue dimension, so the poison queues are watched in the queue
// logs: the host's PutMessage into any "<queue>-poison" queue is a message that failed every
// try. Whatever queues are added later, their poison queues are covered by the suffix.
resource poisonMessages 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${alertNamePrefix}poison-messages'
  location: location
  tags: tags
  properties: {
    displayName: 'Backazon: messages in a poison queue'
    description: 'A catalog or retention message failed every try and was moved to its -poison queue. Runbook: infra/README.md, "Messages in a poison queue".'
    severity: 1
    enabled: true
    scopes: [
      logAnalytics.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'StorageQueueLogs | where AccountName == "${dataAccount.name}" and OperationName == "PutMessage" and StatusCode == 201 | extend Queue = extract("^/[^/]+/([^/]+)", 1, ObjectKey) | where Queue endswith "${poisonSuffix}" | project TimeGenerated, Queue'
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'Queue'
              operator: 'Include'
              values: ['*']
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        operators.id
      ]
    }
  }
}

// Executions that ended in an exception or a server error. 4xx answers (bad input, a refused
// token) are the API working as designed, so they are left out.
resource failedExecutions 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${alertNamePrefix}failed-executions'
  location: location
  tags: tags
  properties: {
    displayName: 'Backazon: failed function executions'
    description: 'Function executions are failing. Runbook: infra/README.md, "Failed function executions".'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | where success == false and not(resultCode startswith "4") | project timestamp, FunctionName = operation_Name'
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'FunctionName'
              operator: 'Include'
              values: ['*']
            }
          ]
          operator: 'GreaterThan'
          threshold: failedExecutionsThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        operators.id
      ]
    }
  }
}

// The account's limits answer 503 (Server Busy) or, for tables, 429 when exceeded; these are the
// response types Azure Storage metrics give those answers.
var throttlingResponseTypes = [
  'ServerBusyError'
  'ClientThrottlingError'
  'ClientAccountRequestThrottlingError'
  'ClientAccountBandwidthThrottlingError'
]

resource storageThrottling 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${alertNamePrefix}storage-throttling'
  location: 'global'
  tags: tags
  properties: {
    description: 'The data account is throttling requests (503/429). Runbook: infra/README.md, "Storage throttling".'
    severity: 2
    enabled: true
    scopes: [
      dataAccount.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'ThrottledTransactions'
          metricNamespace: 'Microsoft.Storage/storageAccounts'
          metricName: 'Transactions'
          dimensions: [
            {
              name: 'ResponseType'
              operator: 'Include'
              values: throttlingResponseTypes
            }
          ]
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: throttledRequestsThreshold
        }
      ]
    }
    actions: [
      {
        actionGroupId: operators.id
      }
    ]
  }
}
