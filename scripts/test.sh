#!/usr/bin/env bash
# Every test, one command (`npm test`): starts whatever infrastructure is not running
# (PostgreSQL, Kafka, moto + fidelity proxy), builds, migrates, lints, then runs the unit,
# integration and end-to-end suites against the real services, the API fuzzer and the short
# fault drill. Ends with one line:
# "N passed, N failed". Fails, saying why, if a service cannot be started.
#
# The tests get infrastructure of their own (scripts/lib/test-stack.sh: .stack/test, own
# ports), so a dev stack started by `npm run stack` is never touched and keeps working. Where a
# Docker engine answers and no test stack runs, that infrastructure is containers started with
# testcontainers on the same ports (TEST_INFRA=scripts|containers overrides; ADR 021).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/test-stack.sh
source scripts/lib/defaults.sh
started=$SECONDS

if [[ ! -x node_modules/.bin/node ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[test] installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
echo "[test] building"
npm run -s build
# The scripts' test stack, or (a Docker engine answers, no test stack is running, or
# TEST_INFRA=containers) the same components in containers (tools/cli/test-infra.ts, ADR 021).
# Its one line says which and why.
infra=$("$NODE_BIN" dist/tools/cli/test-infra.js choose)
if [[ $infra == containers ]]; then
  mkdir -p "$STACK_DIR"
  containers_env="$STACK_DIR/containers.env" containers_log="$STACK_DIR/test-containers.log"
  rm -f "$containers_env"
  echo "[test] test containers: postgres :$DB_PORT, kafka :$KAFKA_PORT, moto :$MOTO_PORT, proxy :$FIDELITY_PORT (log: $containers_log)"
  "$NODE_BIN" dist/tools/cli/test-infra.js start --write-env "$containers_env" >"$containers_log" 2>&1 &
  containers_pid=$!
  # the containers live as long as that process (testcontainers' reaper removes them after it)
  trap 'kill "$containers_pid" 2>/dev/null; wait "$containers_pid" 2>/dev/null || true' EXIT
  until [[ -s $containers_env ]]; do
    kill -0 "$containers_pid" 2>/dev/null || { tail -n 30 "$containers_log"; echo "[test] the test containers did not start"; exit 1; }
    sleep 1
  done
else
  echo "[test] test stack: $STACK_DIR (postgres :$DB_PORT, kafka :$KAFKA_PORT, moto :$MOTO_PORT, proxy :$FIDELITY_PORT)"
  bash scripts/stack.sh infra
fi
# Debian's chromium for the console's browser tests (installed on a fresh machine).
source scripts/lib/common.sh
source scripts/lib/browser.sh
browser_ensure_installed
echo "[test] browser: $CHROMIUM_PATH"
eval "$(bash scripts/stack.sh env)"
if [[ $infra == containers ]]; then
  # the containers' endpoints win; moto starts empty, so seed it as the scripts do
  source "$containers_env"
  "$PYTHON" infra/moto/seed.py | sed 's/^/[test] moto seed: /'
fi
echo "[test] migrating"
npm run -s migrate
echo "[test] type-check, lint and format"
npm run -s typecheck
npm run -s lint
npm run -s format:check

results="$STACK_DIR/test-results"
mkdir -p "$results"
rm -f "$results"/vitest.json
set +e
npx vitest run --project unit --project integration --project e2e --reporter=default --reporter=json --outputFile.json="$results/vitest.json" "$@"
status=$?
# The API fuzzer (scripts/fuzz.sh) on a full run; FUZZ=1 adds it to a filtered one, FUZZ=0 skips it.
if [[ ${FUZZ:-$(($# == 0))} == 1 ]]; then
  echo "[test] fuzzing the HTTP APIs (scripts/fuzz.sh)"
  bash scripts/fuzz.sh || { echo "[test] the API fuzzer found failures"; status=1; }
fi
# The short fault drill (scripts/drills.sh, docs/drills.md) last, since it restarts the test
# stack's Kafka and PostgreSQL; DRILLS=1 adds it to a filtered run, DRILLS=0 skips it.
if [[ ${DRILLS:-$(($# == 0))} == 1 && $infra == containers ]]; then
  # it restarts Kafka and PostgreSQL through the scripts, which do not own the containers
  echo "[test] fault drill skipped: it runs on the scripts' stack (npm run drills), not on test containers"
elif [[ ${DRILLS:-$(($# == 0))} == 1 ]]; then
  echo "[test] fault drill, short (scripts/drills.sh --short)"
  bash scripts/drills.sh --short || { echo "[test] the fault drill found broken invariants"; status=1; }
fi
set -e
echo "[test] finished in $((SECONDS - started))s"
# The last line: "N passed, N failed" over every suite that ran.
node scripts/test-summary.mjs "$results/vitest.json" || status=1
exit $status
