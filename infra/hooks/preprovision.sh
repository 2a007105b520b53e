#!/bin/sh
# Refuses to provision without an operator key hash or an alert e-mail, and says how to set them.
case "$OPERATOR_KEY_HASH" in
  *[!0-9a-f]*|'') ok=no ;;
  *) [ ${#OPERATOR_KEY_HASH} -eq 64 ] && ok=yes || ok=no ;;
esac
if [ "$ok" != yes ]; then
  cat >&2 <<'MSG'
OPERATOR_KEY_HASH is missing or is not 64 lowercase hex digits.
Make an operator key, keep it in your password manager, and give azd only its SHA-256:

  KEY=$(openssl rand -hex 32)
  echo "$KEY"                      # store this: it is the operator key
  azd env set OPERATOR_KEY_HASH "$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)"

See README: Deploy to Azure.
MSG
  exit 1
fi
case "$ALERT_EMAIL" in
  ?*@?*.?*) ;;
  *)
    cat >&2 <<'MSG'
ALERT_EMAIL is missing: the alerts (poison messages, failed executions, storage throttling)
are e-mailed to it. Give the address of whoever answers them, a person or a team list:

  azd env set ALERT_EMAIL ops@example.com

See infra/README.md: When an alert fires.
MSG
    exit 1
    ;;
esac
