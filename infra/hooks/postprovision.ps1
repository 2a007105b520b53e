# Tells the operator what to do once the infrastructure exists.
Write-Host @"

Backazon is provisioned.
  Function app: $env:FUNCTION_APP_URL
  Data account: $env:DATA_STORAGE_ACCOUNT_NAME

Next (after 'azd deploy' if you ran 'azd provision' alone): create the first account and an
enrollment code with the uploader's admin commands and your operator key, then enroll a device.
See README: Deploy to Azure.
"@
