// Types shared by main.bicep and the modules.

@export()
@sealed()
@description('Overrides of one plan\'s fields; omitted fields keep the built-in value. The field names are Backazon.Backend.Configuration.AppSettings.PlanFields (checked by the infra tests).')
type planOverride = {
  @description('Name shown to people, for example "Personal 1 TB".')
  DisplayName: string?

  @description('Storage quota in bytes.')
  @minValue(1)
  StorageQuotaBytes: int?

  @description('How many devices one account may enroll.')
  @minValue(1)
  DeviceLimit: int?

  @description('Largest single file, in bytes.')
  @minValue(1)
  MaxFileBytes: int?

  @description('Days old versions are kept (0: forever).')
  @minValue(0)
  VersionHistoryDays: int?

  @description('Days deleted files are kept (0: forever).')
  @minValue(0)
  DeletedRetentionDays: int?
}

@export()
@description('Plan id (trial, personal, family, or a new one) to its overrides.')
type planOverrides = {
  *: planOverride
}
