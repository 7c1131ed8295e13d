#!/usr/bin/env bash
# Prints `export VAR=value` lines for the local stack's endpoints, so tests and
# shells can pick them up:   eval "$(bash scripts/lib/env.sh)"
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/defaults.sh"

for var in DB_HOST DB_PORT DB_NAME DB_ADMIN_USER DB_ADMIN_PASSWORD \
  CATALOG_DB_PASSWORD BUILDER_DB_PASSWORD REPLICATOR_DB_PASSWORD PERMISSIONS_DB_PASSWORD \
  MAINTENANCE_SCANNER_DB_PASSWORD KAFKA_BROKERS MOTO_URL FIDELITY_URL AWS_ENDPOINT_URL \
  AWS_REGION AWS_ACCOUNT_ID AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AUTH_JWT_SECRET; do
  printf 'export %s=%q\n' "$var" "${!var}"
done
