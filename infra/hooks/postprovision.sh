#!/bin/sh
# Tells the operator what to do once the infrastructure exists.
cat <<MSG

Backazon is provisioned.
  Function app: ${FUNCTION_APP_URL:-<see azd env get-values>}
  Data account: ${DATA_STORAGE_ACCOUNT_NAME:-<see azd env get-values>}

Next (after 'azd deploy' if you ran 'azd provision' alone): create the first account and an
enrollment code with the uploader's admin commands and your operator key, then enroll a device.
See README: Deploy to Azure.
MSG
