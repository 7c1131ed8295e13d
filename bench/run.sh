#!/usr/bin/env bash
# Every benchmark, one after the other, and one table of their figures against the baselines
# measured in the same run (bench/README.md says what each measures):
#
#   npm run bench               (= bash bench/run.sh)       the full sizes
#   npm run bench -- --quick    a few seconds each, smaller sizes; the same table
#
# resolve HTTP + gRPC (bench/resolve/run.sh: nginx and a bare grpc-js server beside the
# catalog), the event path (outbox -> relay -> inbox against a bare kafkajs loop), the builder's
# EC2 economy, the copy fan-out, reconcile and the retention scan (vitest's bench project).
# Writes bench/results/latest.md (the table, the machine, load averages; also put into the
# README's "Performance" section) beside each
# benchmark's own JSON. Figures are reported, never asserted: the exit code says only whether
# every benchmark ran (a benchmark that crashed is a row saying so, and exit 1).
#
# Infrastructure: the test stack (scripts/test-stack.sh infra: its own PostgreSQL, Kafka, moto
# and fidelity proxy; idempotent), unless BENCH_STACK=dev (the dev stack, npm run stack --
# infra). The built code in dist/ (npm run build) is what is measured.
#
# Settings: BENCH_ONLY=resolve,events,builds,copies,reconcile,retention (a subset);
# every benchmark's own BENCH_* variables pass through (they override the quick sizes).
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"

QUICK=0
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$arg' (--quick)" >&2; exit 2 ;;
  esac
done
: "${BENCH_ONLY:=resolve,events,builds,copies,reconcile,retention}" "${BENCH_STACK:=test}"

log() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[bench] warning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[bench] error:\033[0m %s\n' "$*" >&2; exit 1; }
wanted() { [[ ",$BENCH_ONLY," == *",$1,"* ]]; }

RESULTS="$ROOT/bench/results"
LOGS="$RESULTS/logs"
mkdir -p "$LOGS"
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
STARTED_EPOCH=$(date +%s)
cut -d' ' -f1-3 /proc/loadavg >"$LOGS/loadavg.before"

# --- infrastructure ------------------------------------------------------------------------
if [[ $BENCH_STACK == test ]]; then
  # shellcheck disable=SC1091
  source scripts/lib/test-stack.sh
  log "test stack: bash scripts/test-stack.sh infra"
  bash scripts/test-stack.sh infra >"$LOGS/infra.log" 2>&1 ||
    { tail -n 20 "$LOGS/infra.log" >&2; die "the test stack did not start"; }
elif [[ $BENCH_STACK != dev ]]; then
  die "BENCH_STACK must be test or dev (got '$BENCH_STACK')"
fi
# shellcheck disable=SC1091
source scripts/lib/defaults.sh
eval "$(bash scripts/stack.sh env)"
[[ -f dist/apps/catalog/src/main.js && -f dist/libs/messaging/src/index.js ]] ||
  die "dist/ is missing: npm run build first"
# dist/.tsbuildinfo: tsc rewrites it on every build that changed anything (an unchanged output
# such as main.js keeps its old time).
if [[ -n $(find apps libs -name '*.ts' ! -name '*.spec.ts' ! -name '*-spec.ts' -newer dist/.tsbuildinfo -print -quit 2>/dev/null) ]]; then
  warn "sources changed since dist/ was built: measuring the built code (npm run build to refresh)"
fi
log "migrations: npm run migrate"
npm run -s migrate >"$LOGS/migrate.log" 2>&1 || { tail -n 20 "$LOGS/migrate.log" >&2; die "migrations failed"; }

# --- the benchmarks ------------------------------------------------------------------------
FAILED=()
: >"$LOGS/runs.txt"
# run_one <name> [VAR=value...] -- <command...>: the VAR=value pairs are the quick mode's sizes
# (ignored in full mode, and for any variable the caller set); output in logs/<name>.log.
run_one() {
  local name=$1 t0=$SECONDS rc=0 kv
  shift
  local sizes=()
  while [[ $1 != -- ]]; do
    kv=$1
    shift
    ((QUICK)) || continue
    local var=${kv%%=*}
    [[ -n ${!var:-} ]] || sizes+=("$kv")
  done
  shift
  log "$name: ${sizes[*]} $* (log: bench/results/logs/$name.log)"
  env "${sizes[@]}" "$@" >"$LOGS/$name.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    warn "$name failed (exit $rc) after $((SECONDS - t0)) s; last lines:"
    tail -n 15 "$LOGS/$name.log" >&2
    FAILED+=("$name")
  else
    log "$name: done in $((SECONDS - t0)) s"
  fi
  echo "$name $((SECONDS - t0)) $rc" >>"$LOGS/runs.txt"
}
VITEST=(node_modules/.bin/vitest run --project bench)

if wanted resolve; then
  run_one resolve BENCH_SECONDS=3 BENCH_WARMUP_SECONDS=1 BENCH_KEYS=2000 -- \
    env BENCH_TARGETS="${BENCH_TARGETS:-nginx,http,grpc,grpc-bare}" BENCH_OUT="$RESULTS/resolve.json" \
    bash bench/resolve/run.sh
fi
if wanted events; then
  run_one events BENCH_EVENTS=5000 BENCH_RATE_SECONDS=4 -- "${VITEST[@]}" bench/event-path.bench.ts
fi
if wanted builds; then
  run_one builds BENCH_BUILDS=5 BENCH_PENDING_MS=1000 -- "${VITEST[@]}" bench/builds.bench.ts
fi
if wanted copies; then
  run_one copies BENCH_VERSIONS=30 BENCH_PENDING_MS=1000 BENCH_COPY_CAPACITY=10 -- \
    "${VITEST[@]}" bench/copies.bench.ts
fi
if wanted reconcile; then
  run_one reconcile BENCH_COPIES=150 -- "${VITEST[@]}" bench/reconcile.bench.ts
fi
if wanted retention; then
  run_one retention BENCH_IMAGES=4000 BENCH_RETENTION_FAMILIES=20 BENCH_NAIVE_SAMPLE=50 C7N=0 -- \
    "${VITEST[@]}" bench/retention.bench.ts
fi

# --- the table -----------------------------------------------------------------------------
cut -d' ' -f1-3 /proc/loadavg >"$LOGS/loadavg.after"
BENCH_QUICK=$QUICK BENCH_STARTED=$STARTED BENCH_STARTED_EPOCH=$STARTED_EPOCH BENCH_ONLY=$BENCH_ONLY \
  "$ROOT/node_modules/.bin/node" "$HERE/summary.mjs" "$RESULTS" "$RESULTS/latest.md"
cat "$RESULTS/latest.md"
# The README shows the latest table (between its bench:latest markers).
"$ROOT/node_modules/.bin/node" "$HERE/readme-table.mjs" "$RESULTS/latest.md" "$ROOT/README.md" >&2
if ((${#FAILED[@]})); then
  warn "benchmarks that did not run to the end: ${FAILED[*]} (logs in bench/results/logs/)"
  exit 1
fi
