#!/usr/bin/env bash
# Puts the stack's secrets into SSM Parameter Store, as standard-tier SecureString parameters
# under <SECRETS_PREFIX>/<STAGE>/, where the functions read them (template.yaml's SecretsPrefix;
# docs/operations.md "Secrets"). CloudFormation cannot create a SecureString, so this runs
# before the first deploy and again for each rotation (`make secrets STAGE=...`).
#
#   STAGE=dev [SECRETS_PREFIX=/studyloop] [KMS_KEY_ID=alias/...] tools/secrets/put.sh
#
# Each value comes from the environment: JWT_SIGNING_KEY (with its JWT_SIGNING_KEY_ID) and
# CURSOR_SECRET (`localcloud keygen` prints them), ADMIN_PASSWORD, KAKAO_API_KEY, PAYMENT_PROVIDER_API_KEY; only those set are put,
# so one secret can be rotated alone. A value never appears on a command line (it reaches the
# AWS CLI in a --cli-input-json file of mode 0600, emptied at once), so `ps` never shows it. Without KMS_KEY_ID the
# parameter is encrypted with the account's AWS managed key aws/ssm.
set -euo pipefail
stage=${STAGE:?set STAGE (dev or prod)}
prefix=${SECRETS_PREFIX:-/studyloop}
put=0
# The request (with the value) goes through a file only this user can read, removed on exit.
umask 077
request=$(mktemp)
trap 'rm -f "$request"' EXIT
for pair in jwt-signing-key:JWT_SIGNING_KEY cursor-secret:CURSOR_SECRET admin-password:ADMIN_PASSWORD \
  kakao-api-key:KAKAO_API_KEY payment-provider-api-key:PAYMENT_PROVIDER_API_KEY; do
  name=${pair%%:*}
  var=${pair#*:}
  [ -n "${!var:-}" ] || continue
  # The signing key is kept under its kid: deploying a new JwtSigningKeyId switches the kid and
  # the key together (docs/operations.md, "Rotating the signing key").
  if [ "$name" = jwt-signing-key ]; then
    name="$name/${JWT_SIGNING_KEY_ID:?set JWT_SIGNING_KEY_ID, the kid localcloud keygen prints}"
  fi
  export "${var?}"
  python3 - "$prefix/$stage/$name" "$var" >"$request" <<'PY'
import json, os, sys
request = {"Name": sys.argv[1], "Value": os.environ[sys.argv[2]], "Type": "SecureString",
           "Tier": "Standard", "Overwrite": True}
if os.environ.get("KMS_KEY_ID"):
    request["KeyId"] = os.environ["KMS_KEY_ID"]
print(json.dumps(request))
PY
  aws ssm put-parameter --cli-input-json "file://$request" --output text --query Version >/dev/null
  : >"$request"
  echo "put $prefix/$stage/$name (from $var)"
  put=$((put + 1))
done
if [ "$put" -eq 0 ]; then
  echo "nothing to put: export JWT_SIGNING_KEY, CURSOR_SECRET, ADMIN_PASSWORD, KAKAO_API_KEY or PAYMENT_PROVIDER_API_KEY" >&2
  exit 1
fi
