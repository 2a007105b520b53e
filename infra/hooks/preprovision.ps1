# Refuses to provision without an operator key hash or an alert e-mail, and says how to set them.
if ($env:OPERATOR_KEY_HASH -cnotmatch '^[0-9a-f]{64}$') {
  Write-Error @'
OPERATOR_KEY_HASH is missing or is not 64 lowercase hex digits.
Make an operator key, keep it in your password manager, and give azd only its SHA-256:

  $key = -join ([Security.Cryptography.RandomNumberGenerator]::GetBytes(32) | ForEach-Object { $_.ToString('x2') })
  $key                             # store this: it is the operator key
  $hash = -join ([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($key)) | ForEach-Object { $_.ToString('x2') })
  azd env set OPERATOR_KEY_HASH $hash

See README: Deploy to Azure.
'@
  exit 1
}
if ($env:ALERT_EMAIL -notmatch '^[^@\s]+@[^@\s]+\.[^@\s]+$') {
  Write-Error @'
ALERT_EMAIL is missing: the alerts (poison messages, failed executions, storage throttling)
are e-mailed to it. Give the address of whoever answers them, a person or a team list:

  azd env set ALERT_EMAIL ops@example.com

See infra/README.md: When an alert fires.
'@
  exit 1
}
