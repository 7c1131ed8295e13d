#!/usr/bin/env bash
# Every test, one command (`npm test`): starts whatever infrastructure is not running
# (PostgreSQL, Kafka, moto + fidelity proxy), builds, migrates, lints, then runs the unit,
# integration and end-to-end suites against the real services. Ends with one line:
# "N passed, N failed". Fails, saying why, if a service cannot be started.
#
# The tests get infrastructure of their own (scripts/lib/test-stack.sh: .stack/test, own
# ports), so a dev stack started by `npm run stack` is never touched and keeps working.
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
echo "[test] test stack: $STACK_DIR (postgres :$DB_PORT, kafka :$KAFKA_PORT, moto :$MOTO_PORT, proxy :$FIDELITY_PORT)"
bash scripts/stack.sh infra
# Debian's chromium for the console's browser tests (installed on a fresh machine).
source scripts/lib/common.sh
source scripts/lib/browser.sh
browser_ensure_installed
echo "[test] browser: $CHROMIUM_PATH"
eval "$(bash scripts/stack.sh env)"
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
set -e
echo "[test] finished in $((SECONDS - started))s"
# The last line: "N passed, N failed" over every suite that ran.
node scripts/test-summary.mjs "$results/vitest.json" || status=1
exit $status
