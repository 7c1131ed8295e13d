#!/usr/bin/env bash
# The API fuzzer: schemathesis, driven by each service's published OpenAPI document, with an
# admin token, against the services started here from dist/ on the test stack (which must be
# running: scripts/test.sh starts it and runs this after vitest).
#
# Fails on any 5xx, any status code the document does not list, any body that does not match
# its schema, and any answer in a media type the document does not list (so a 4xx without an
# application/problem+json body fails too).
#
#   bash scripts/fuzz.sh                        # CI budget (FUZZ_MAX_EXAMPLES=5)
#   FUZZ_MAX_EXAMPLES=50 bash scripts/fuzz.sh   # ten times that, by hand
#   FUZZ_SERVICES=builder bash scripts/fuzz.sh  # one service
#   FUZZ_GRPC=0 bash scripts/fuzz.sh            # HTTP only
#
# Then the gRPC fuzzer (tools/grpc-fuzz, from dist) sends FUZZ_GRPC_CASES generated requests to
# every unary RPC of each service's .proto (edge values, random bytes, no or an invalid token)
# and fails on INTERNAL/UNKNOWN, on anything but UNAUTHENTICATED without a valid token, and on
# errors without a message. Same seed, same requests.
#
# FUZZ_SERVICES defaults to every HTTP service and the console (its audit stream is fuzzed apart,
# with a token that expires in seconds, since a stream lasts as long as its token). schemathesis lives in its own virtualenv
# under .stack/fuzz (pinned in infra/schemathesis/requirements.txt, reused across runs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# From scripts/test.sh the test stack is up; by hand, start whatever of it is not running.
by_hand=0
if [[ ${AMI_TEST_STACK:-} != 1 ]]; then source scripts/lib/test-stack.sh; by_hand=1; fi
source scripts/lib/defaults.sh
source scripts/lib/common.sh
if ((by_hand)); then bash scripts/stack.sh infra >/dev/null; fi
eval "$(bash scripts/stack.sh env)"

: "${FUZZ_SERVICES:=catalog builder replicator permissions maintenance-scanner console}"
: "${FUZZ_MAX_EXAMPLES:=5}"
: "${FUZZ_SEED:=20261201}"
: "${FUZZ_GRPC:=1}"
: "${FUZZ_GRPC_CASES:=25}"
: "${FUZZ_DIR:=$REPO_ROOT/.stack/fuzz}"
FUZZ_VENV="$FUZZ_DIR/venv"
FUZZ_REQS="$REPO_ROOT/infra/schemathesis/requirements.txt"
FUZZ_CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
NODE=$REPO_ROOT/node_modules/.bin/node
say() { printf '[fuzz] %s\n' "$*"; }

venv_ok() {
  [[ -x $FUZZ_VENV/bin/st && -f $FUZZ_VENV/.stamp &&
    $(<"$FUZZ_VENV/.stamp") == "$(sha256sum "$FUZZ_REQS" | cut -c1-64)" ]]
}
if ! venv_ok; then
  say "installing schemathesis into $FUZZ_VENV"
  mkdir -p "$FUZZ_DIR"; rm -rf "$FUZZ_VENV"
  python3 -m venv "$FUZZ_VENV" || { apt_install python3-venv; python3 -m venv "$FUZZ_VENV"; }
  "$FUZZ_VENV/bin/pip" install -q --disable-pip-version-check --timeout 30 -r "$FUZZ_REQS" \
    >"$FUZZ_DIR/pip.log" 2>&1 || { tail -20 "$FUZZ_DIR/pip.log"; die "pip install -r $FUZZ_REQS failed"; }
  sha256sum "$FUZZ_REQS" | cut -c1-64 >"$FUZZ_VENV/.stamp"
fi

# A free port below Linux's ephemeral range (scripts/lib/free-ports.mjs says why).
free_port() { "$NODE" "$REPO_ROOT/scripts/lib/free-ports.mjs" 1; }

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

run=$(date +%s)
declare -A URL GRPC
for app in ${FUZZ_SERVICES/console/}; do
  role=${app//-/_}; pw="$(tr 'a-z' 'A-Z' <<<"$role")_DB_PASSWORD"
  port=$(free_port); grpc=$(free_port)
  [[ -f dist/apps/$app/src/main.js ]] || die "$app: dist/apps/$app/src/main.js missing (npm run build)"
  env -u DB_ADMIN_USER -u DB_ADMIN_PASSWORD NODE_ENV=test LOG_LEVEL=warn HTTP_PORT="$port" GRPC_PORT="$grpc" \
    DB_USER="$role" DB_PASSWORD="${!pw}" KAFKA_GROUP_ID="$app-fuzz-$run" KAFKA_NEW_GROUP_FROM_END=true \
    BUILD_WORKER_ENABLED=false COPY_WORKER_ENABLED=false TARGET_WORKER_ENABLED=false \
    PERMISSIONS_WORKER_ENABLED=false AWS_ENDPOINT_URL="$MOTO_URL" EC2_RATE_SCALE=1000 EC2_RETRY_MAX_ATTEMPTS=2 \
    "$NODE" "dist/apps/$app/src/main.js" >"$FUZZ_DIR/$app.log" 2>&1 &
  pids+=($!)
  # Imports reach EC2: moto directly (no emulated throttling), our pacing and retries relaxed,
  # so that hundreds of fuzzed imports in a row do not wait on rate limits.
  URL[$app]="http://127.0.0.1:$port"
  GRPC[$app]="127.0.0.1:$grpc"
done
if [[ " $FUZZ_SERVICES " == *" console "* ]]; then
  # The console: no database, the fuzzed services behind its /api proxy, the audit feed as ops.
  port=$(free_port)
  [[ -f dist/apps/console/src/main.js ]] || die "console: dist/apps/console/src/main.js missing (npm run build)"
  env NODE_ENV=test LOG_LEVEL=warn HTTP_PORT="$port" KAFKA_SASL_USERNAME=ami-ops \
    KAFKA_SASL_PASSWORD="$KAFKA_OPS_PASSWORD" KAFKA_GROUP_ID="ami-ops-console-fuzz-$run" \
    CATALOG_URL="${URL[catalog]:-http://127.0.0.1:9}" BUILDER_URL="${URL[builder]:-http://127.0.0.1:9}" \
    REPLICATOR_URL="${URL[replicator]:-http://127.0.0.1:9}" PERMISSIONS_URL="${URL[permissions]:-http://127.0.0.1:9}" \
    MAINTENANCE_SCANNER_URL="${URL[maintenance-scanner]:-http://127.0.0.1:9}" \
    "$NODE" dist/apps/console/src/main.js >"$FUZZ_DIR/console.log" 2>&1 &
  pids+=($!)
  URL[console]="http://127.0.0.1:$port"
fi
for app in $FUZZ_SERVICES; do
  wait_for 120 "$app ready" http_ok "${URL[$app]}/health/ready" ||
    { tail -30 "$FUZZ_DIR/$app.log"; die "$app did not become ready"; }
done

token=$("$NODE" dist/tools/cli/mint-token.js --role admin --sub fuzz --expires 2h)
status=0
summary=()
for app in $FUZZ_SERVICES; do
  say "$app: schemathesis, at most $FUZZ_MAX_EXAMPLES examples per operation (seed $FUZZ_SEED)"
  report="$FUZZ_DIR/$app-report.json"
  st_run() { # <output> <token> [schemathesis options]
    local out=$1 bearer=$2; shift 2
    # From FUZZ_DIR: schemathesis keeps its cache (.schemathesis/) in the working directory.
    (cd "$FUZZ_DIR" && "$FUZZ_VENV/bin/st" run "${URL[$app]}/openapi.json" --url "${URL[$app]}" \
      -H "Authorization: Bearer $bearer" --checks "$FUZZ_CHECKS" \
      --max-examples "$FUZZ_MAX_EXAMPLES" --seed "$FUZZ_SEED" --phases examples,coverage,fuzzing \
      --workers 1 --request-timeout 10 --no-color --warnings off "$@") >"$out" 2>&1
  }
  set +e
  if [[ $app == console ]]; then
    # The audit stream lasts as long as its token: a token of seconds ends each stream, then 401s.
    st_run "$FUZZ_DIR/$app.out" "$token" --exclude-path /v1/audit/stream \
      --report json --report-json-path "$report"
    rc=$?
    short=$("$NODE" dist/tools/cli/mint-token.js --role reader --sub fuzz --expires 3)
    st_run "$FUZZ_DIR/$app-stream.out" "$short" --include-path /v1/audit/stream
    stream_rc=$?
    tail -n 6 "$FUZZ_DIR/$app-stream.out" | sed "s/^/[fuzz $app stream] /"
    ((stream_rc == 0)) || { rc=1; cat "$FUZZ_DIR/$app-stream.out" >>"$FUZZ_DIR/$app.out"; }
  else
    st_run "$FUZZ_DIR/$app.out" "$token" --report json --report-json-path "$report"
    rc=$?
  fi
  set -e
  tail -n 25 "$FUZZ_DIR/$app.out" | sed "s/^/[fuzz $app] /"
  if ((rc != 0)); then
    status=1
    # What failed and how to reproduce it, and what the service logged as errors meanwhile.
    sed '/^=* SUMMARY =*$/q' "$FUZZ_DIR/$app.out" | tail -n 60 | sed "s/^/[fuzz $app] /"
    grep -E '"level":(50|60)' "$FUZZ_DIR/$app.log" | tail -n 5 | cut -c1-2000 | sed "s/^/[fuzz $app log] /" || true
    say "$app: FAILED (full output: $FUZZ_DIR/$app.out, service log: $FUZZ_DIR/$app.log)"
  fi
  ops=$(grep -m1 -oE 'Tested: [0-9]+' "$FUZZ_DIR/$app.out" || true)
  cases=$(grep -m1 -E '^ *[0-9]+ generated' "$FUZZ_DIR/$app.out" | sed 's/^ *//' || true)
  [[ $app != console ]] ||
    cases+=" (and the audit stream: $(grep -m1 -E '^ *[0-9]+ generated' "$FUZZ_DIR/$app-stream.out" | sed 's/^ *//' || true))"
  summary+=("$app: ${ops#Tested: } operations, $cases")
done
if [[ $FUZZ_GRPC != 0 ]]; then
  [[ -f dist/tools/grpc-fuzz/main.js ]] || die "dist/tools/grpc-fuzz/main.js missing (npm run build)"
  say "gRPC: $FUZZ_GRPC_CASES cases per RPC (seed $FUZZ_SEED)"
  targets=()
  for app in ${FUZZ_SERVICES/console/}; do targets+=(--target "$app=${GRPC[$app]}"); done
  expired=$("$NODE" dist/tools/cli/mint-token.js --role admin --sub fuzz --expires=-60) || expired=""
  set +e
  GRPC_FUZZ_TOKEN=$token "$NODE" dist/tools/grpc-fuzz/main.js "${targets[@]}" --cases "$FUZZ_GRPC_CASES" \
    --seed "$FUZZ_SEED" ${expired:+--expired-token "$expired"} --report "$FUZZ_DIR/grpc-report.json" >"$FUZZ_DIR/grpc.out" 2>&1
  rc=$?
  set -e
  { grep -v '^\[grpc-fuzz\] ' "$FUZZ_DIR/grpc.out" || true; } | tail -n 60 | sed 's/^/[fuzz grpc] /'
  if ((rc != 0)); then
    status=1
    for app in $FUZZ_SERVICES; do
      grep -E '"level":(50|60)' "$FUZZ_DIR/$app.log" | tail -n 3 | cut -c1-2000 | sed "s/^/[fuzz $app log] /" || true
    done
    say "gRPC: FAILED (full output: $FUZZ_DIR/grpc.out, report: $FUZZ_DIR/grpc-report.json)"
  fi
  while IFS= read -r line; do summary+=("gRPC ${line#\[grpc-fuzz\] }"); done < <(grep '^\[grpc-fuzz\] ' "$FUZZ_DIR/grpc.out" || true)
fi
# The fuzzed services run no workers (BUILD_, COPY_, TARGET_ and PERMISSIONS_WORKER_ENABLED=false):
# what the fuzzer requested would otherwise wait in the test database for the next run's workers
# (tests, benchmarks) to pick up and spend EC2 on. Withdraw it.
source scripts/lib/pg.sh
fuzz_sql() { # <service> <sql>
  local pw="$(tr 'a-z-' 'A-Z_' <<<"$1")_DB_PASSWORD"
  PGPASSWORD=${!pw} "$(pg_bin_dir)/psql" -qAt -v ON_ERROR_STOP=1 -h "$DB_HOST" -p "$DB_PORT" \
    -U "${1//-/_}" -d "$DB_NAME" -c "$2" >/dev/null
}
started_at=$(date -u -d "@$run" +%Y-%m-%dT%H:%M:%SZ)
if [[ " $FUZZ_SERVICES " == *" builder "* ]]; then
  fuzz_sql builder "UPDATE builder.builds SET state = 'cancelled', finished_at = now(),
      updated_at = now(), failure_reason = 'requested by the API fuzzer (its builder runs no workers)'
      WHERE requested_by = 'fuzz' AND state IN ('queued', 'running')" ||
    say "could not cancel the builds the fuzzer left queued"
fi
if [[ " $FUZZ_SERVICES " == *" replicator "* ]]; then
  # Copy jobs it queued (replications), and the failed targets its reconciles revived.
  fuzz_sql replicator "UPDATE replicator.copy_jobs SET state = 'cancelled', finished_at = now(),
      updated_at = now(), failure_reason = 'requested by the API fuzzer (its replicator runs no workers)'
      WHERE state = 'queued' AND requested_by = 'fuzz'" ||
    say "could not cancel the copy jobs the fuzzer left queued"
  fuzz_sql replicator "UPDATE replicator.distribution_targets SET next_attempt_at = 'infinity'
      WHERE state = 'failed' AND attempt = 1 AND next_attempt_at <> 'infinity'
        AND updated_at >= '$started_at'" ||
    say "could not set back the failed targets the fuzzer's reconciles revived"
fi
if [[ " $FUZZ_SERVICES " == *" permissions "* ]]; then
  # Grants and revocations it recorded end; the passes it requested (reconciles) are withdrawn,
  # except on the copies of families whose overrides it ended, which need one to undo them.
  fuzz_sql permissions "WITH ended AS (UPDATE permissions.overrides SET ended_at = now(),
        ended_by = 'fuzz', ended_reason = 'recorded by the API fuzzer'
        WHERE requested_by = 'fuzz' AND ended_at IS NULL RETURNING family)
      UPDATE permissions.copies SET request_generation = request_generation + 1,
        request_reason = 'overrides of the API fuzzer ended', next_attempt_at = now(), updated_at = now()
      WHERE family IN (SELECT family FROM ended) AND image_state <> 'deregistered'" &&
    fuzz_sql permissions "UPDATE permissions.copies SET applied_generation = request_generation
      WHERE request_generation > applied_generation AND request_reason LIKE '% by fuzz'" ||
    say "could not withdraw what the fuzzer left queued in permissions"
fi
for line in "${summary[@]}"; do say "$line"; done
exit $status
