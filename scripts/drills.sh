#!/usr/bin/env bash
# Fault drills (`npm run drills [-- --short] [--seed N]`): two replicas of each service run a
# journey while processes are killed and paused, Kafka and PostgreSQL restarted, EC2 throttled
# and poison messages sent; then the invariants are printed and the exit code says whether all
# hold (docs/drills.md).
#
# Runs on the test stack (scripts/lib/test-stack.sh: .stack/test, its own ports), starting its
# infrastructure if it is not running, building if dist/ is missing, migrating. The drill
# restarts that stack's Kafka and PostgreSQL: other test runs on the same stack notice. For a
# stack of its own, set DRILL_STACK=<name>: state under .stack/<name> and ports from the
# TEST_* variables (e.g. TEST_DB_PORT=57432 TEST_KAFKA_PORT=39092 TEST_KAFKA_CONTROLLER_PORT=39093
# TEST_MOTO_PORT=5020 TEST_FIDELITY_PORT=4586 DRILL_STACK=drill npm run drills -- --short).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -n ${DRILL_STACK:-} ]]; then
  [[ $DRILL_STACK =~ ^[A-Za-z0-9_-]+$ ]] || { echo "[drills] DRILL_STACK must be a plain name"; exit 2; }
  [[ $DRILL_STACK != test ]] || { echo "[drills] DRILL_STACK=test is the test stack itself; leave it unset"; exit 2; }
  export TEST_STACK_DIR="$PWD/.stack/$DRILL_STACK"
fi
source scripts/lib/test-stack.sh
source scripts/lib/defaults.sh

if [[ ! -x node_modules/.bin/node ]]; then
  echo "[drills] installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
if [[ ! -f dist/tools/drills/main.js || ! -f dist/apps/catalog/src/main.js ]]; then
  echo "[drills] building"
  npm run -s build
fi
echo "[drills] stack: $STACK_DIR (postgres :$DB_PORT, kafka :$KAFKA_PORT, moto :$MOTO_PORT, proxy :$FIDELITY_PORT)"
bash scripts/stack.sh infra
eval "$(bash scripts/stack.sh env)"
echo "[drills] migrating"
npm run -s migrate
# kafkajs 2.2 trips Node 24's TimeoutNegativeWarning on every run: not the drill's to report.
exec "$NODE_BIN" --disable-warning=TimeoutNegativeWarning dist/tools/drills/main.js "$@"
