# shellcheck shell=bash
# The ONE place that holds the local stack's defaults. Every value can be
# overridden from the environment; everything else (stack.sh, env.sh, the lib
# files) sources this file and never hard-codes a port, path or credential.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO_ROOT

# --- where state lives (git-ignored) --------------------------------------
: "${STACK_DIR:=.stack}"
[[ "$STACK_DIR" == /* ]] || STACK_DIR="$REPO_ROOT/$STACK_DIR"
export STACK_DIR
export STACK_LOGS="$STACK_DIR/logs" STACK_PIDS="$STACK_DIR/pids"

# --- PostgreSQL ----------------------------------------------------------
: "${DB_HOST:=127.0.0.1}" "${DB_PORT:=55432}" "${DB_NAME:=ami}"
: "${DB_ADMIN_USER:=ami_admin}" "${DB_ADMIN_PASSWORD:=ami-admin-local}"
: "${DB_MAX_CONNECTIONS:=200}"
export DB_HOST DB_PORT DB_NAME DB_ADMIN_USER DB_ADMIN_PASSWORD DB_MAX_CONNECTIONS
# One role per service; the migrate tool creates them with these passwords.
: "${CATALOG_DB_PASSWORD:=catalog-local-dev}" "${BUILDER_DB_PASSWORD:=builder-local-dev}"
: "${REPLICATOR_DB_PASSWORD:=replicator-local-dev}" "${PERMISSIONS_DB_PASSWORD:=permissions-local-dev}"
: "${MAINTENANCE_SCANNER_DB_PASSWORD:=maintenance_scanner-local-dev}"
export CATALOG_DB_PASSWORD BUILDER_DB_PASSWORD REPLICATOR_DB_PASSWORD PERMISSIONS_DB_PASSWORD \
  MAINTENANCE_SCANNER_DB_PASSWORD

# --- Kafka (KRaft, single node, broker+controller) -----------------------
: "${KAFKA_HOST:=127.0.0.1}" "${KAFKA_PORT:=19092}" "${KAFKA_CONTROLLER_PORT:=19093}"
: "${KAFKA_BROKERS:=$KAFKA_HOST:$KAFKA_PORT}" "${KAFKA_HEAP:=512m}"
export KAFKA_HOST KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_BROKERS KAFKA_HEAP
# The bus authenticates every client (SASL/SCRAM-SHA-512) and authorises it by the ACL table
# (libs/messaging/src/bus/bus-principals.ts, rendered to infra/kafka/bus.conf). One password per
# principal, KAFKA_<NAME>_PASSWORD: ADMIN (super user), the five services, PRODUCER, OPS.
: "${KAFKA_SECURITY_PROTOCOL:=SASL_PLAINTEXT}" "${KAFKA_SASL_MECHANISM:=scram-sha-512}"
: "${KAFKA_ADMIN_PASSWORD:=admin-kafka-local-dev}" "${KAFKA_CONTROLLER_PASSWORD:=controller-kafka-local-dev}"
: "${KAFKA_CATALOG_PASSWORD:=catalog-kafka-local-dev}" "${KAFKA_BUILDER_PASSWORD:=builder-kafka-local-dev}"
: "${KAFKA_REPLICATOR_PASSWORD:=replicator-kafka-local-dev}" "${KAFKA_PERMISSIONS_PASSWORD:=permissions-kafka-local-dev}"
: "${KAFKA_MAINTENANCE_SCANNER_PASSWORD:=maintenance-scanner-kafka-local-dev}"
: "${KAFKA_PRODUCER_PASSWORD:=producer-kafka-local-dev}" "${KAFKA_OPS_PASSWORD:=ops-kafka-local-dev}"
# ami.audit.v1 keeps everything (-1) unless told otherwise; the other topics keep 7 days.
: "${KAFKA_AUDIT_RETENTION_MS:=-1}" "${KAFKA_TOPIC_RETENTION_MS:=604800000}" "${KAFKA_TOPIC_PARTITIONS:=6}"
export KAFKA_SECURITY_PROTOCOL KAFKA_SASL_MECHANISM KAFKA_ADMIN_PASSWORD KAFKA_CONTROLLER_PASSWORD \
  KAFKA_CATALOG_PASSWORD KAFKA_BUILDER_PASSWORD KAFKA_REPLICATOR_PASSWORD KAFKA_PERMISSIONS_PASSWORD \
  KAFKA_MAINTENANCE_SCANNER_PASSWORD KAFKA_PRODUCER_PASSWORD KAFKA_OPS_PASSWORD \
  KAFKA_AUDIT_RETENTION_MS KAFKA_TOPIC_RETENTION_MS KAFKA_TOPIC_PARTITIONS

# --- moto (EC2/SSM emulator) and the fidelity proxy in front of it ---------
: "${MOTO_HOST:=127.0.0.1}" "${MOTO_PORT:=5000}"
: "${MOTO_URL:=http://$MOTO_HOST:$MOTO_PORT}"
: "${FIDELITY_HOST:=127.0.0.1}" "${FIDELITY_PORT:=4566}" "${STACK_SKIP_PROXY:=0}"
: "${FIDELITY_URL:=http://$FIDELITY_HOST:$FIDELITY_PORT}"
# The stack behaves like EC2: new images stay pending a while, new instances, images and
# command invocations are invisible to describes for a moment (eventual consistency), and
# calls are throttled with AWS's default buckets (the tests start their own proxies with
# their own settings).
: "${FIDELITY_PENDING_MS:=3000}" "${FIDELITY_VISIBILITY_MS:=2000}" "${FIDELITY_THROTTLE:=on}"
export FIDELITY_PENDING_MS FIDELITY_VISIBILITY_MS FIDELITY_THROTTLE
# Apps talk to the proxy; without it (STACK_SKIP_PROXY=1) straight to moto.
if [[ "$STACK_SKIP_PROXY" == 1 ]]; then : "${AWS_ENDPOINT_URL:=$MOTO_URL}"; fi
: "${AWS_ENDPOINT_URL:=$FIDELITY_URL}"
: "${AWS_REGION:=us-east-1}" "${AWS_ACCOUNT_ID:=123456789012}"
: "${AWS_ACCESS_KEY_ID:=testing}" "${AWS_SECRET_ACCESS_KEY:=testing}"
export MOTO_HOST MOTO_PORT MOTO_URL FIDELITY_HOST FIDELITY_PORT FIDELITY_URL STACK_SKIP_PROXY \
  AWS_ENDPOINT_URL AWS_REGION AWS_ACCOUNT_ID AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

# --- services -------------------------------------------------------------
: "${CATALOG_HTTP_PORT:=3001}" "${BUILDER_HTTP_PORT:=3002}" "${REPLICATOR_HTTP_PORT:=3003}"
: "${PERMISSIONS_HTTP_PORT:=3004}" "${MAINTENANCE_SCANNER_HTTP_PORT:=3005}" "${CONSOLE_HTTP_PORT:=3000}"
: "${CATALOG_GRPC_PORT:=50051}" "${BUILDER_GRPC_PORT:=50052}" "${LOG_LEVEL:=info}"
export CATALOG_HTTP_PORT BUILDER_HTTP_PORT REPLICATOR_HTTP_PORT PERMISSIONS_HTTP_PORT \
  MAINTENANCE_SCANNER_HTTP_PORT CONSOLE_HTTP_PORT CATALOG_GRPC_PORT BUILDER_GRPC_PORT LOG_LEVEL
# app:role (role = DB user; its password is ${ROLE^^}_DB_PASSWORD; "-": no database, the console)
# shellcheck disable=SC2034 # used by services.sh
STACK_SERVICES="catalog:catalog builder:builder replicator:replicator permissions:permissions maintenance-scanner:maintenance_scanner console:-"

# --- API authentication (local only: a shared HS256 secret; production sets its own,
# or AUTH_JWKS_URL / AUTH_JWT_PUBLIC_KEY). `npm run token -- --role admin --sub you` mints one.
: "${AUTH_JWT_SECRET:=ami-local-development-secret-not-for-production}"
export AUTH_JWT_SECRET

# --- tools and timeouts (seconds) -----------------------------------------
: "${NODE_BIN:=$REPO_ROOT/node_modules/.bin/node}" "${PYTHON:=python3}"
: "${STACK_PG_TIMEOUT:=60}" "${STACK_KAFKA_TIMEOUT:=60}" "${STACK_MOTO_TIMEOUT:=30}"
: "${STACK_PROXY_TIMEOUT:=30}" "${STACK_SERVICE_TIMEOUT:=60}" "${STACK_STOP_TIMEOUT:=30}"
: "${STACK_LOCK_TIMEOUT:=600}"
export NODE_BIN PYTHON STACK_PG_TIMEOUT STACK_KAFKA_TIMEOUT STACK_MOTO_TIMEOUT \
  STACK_PROXY_TIMEOUT STACK_SERVICE_TIMEOUT STACK_STOP_TIMEOUT STACK_LOCK_TIMEOUT
