#!/usr/bin/env bash
# The local stack: PostgreSQL, Kafka (KRaft), moto + the fidelity proxy, and the
# five services and the console. State lives in $STACK_DIR (default .stack/, git-ignored).
#
#   scripts/stack.sh [up]        everything: infra, npm ci/build/migrate, services, demo
#   scripts/stack.sh infra       postgres, kafka, moto, fidelity proxy only
#   scripts/stack.sh down        stop everything (data kept)
#   scripts/stack.sh status      one line per component
#   scripts/stack.sh logs [name] [-n N] [--no-follow]
#   scripts/stack.sh restart <c>  restart postgres, kafka, moto or proxy
#   scripts/stack.sh reset [--all]  down + delete data (--all: also jars and venv)
#   scripts/stack.sh env         export lines for the endpoints (eval-able)
#
# Defaults (ports, credentials, timeouts) live in scripts/lib/defaults.sh; every
# one can be overridden from the environment. STACK_SKIP_PROXY=1 skips the proxy.
set -euo pipefail

LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib"
# shellcheck source=lib/defaults.sh
source "$LIB/defaults.sh"
for f in common ports pg kafka moto proxy services; do
  # shellcheck disable=SC1090
  source "$LIB/$f.sh"
done
cd "$REPO_ROOT"

# One mutating stack.sh at a time (parallel test jobs may all call `infra`).
take_lock() {
  ensure_stack_dirs
  exec 9>"$STACK_DIR/.lock"
  if ! flock -n 9; then
    log "another scripts/stack.sh is running; waiting up to ${STACK_LOCK_TIMEOUT}s"
    flock -w "$STACK_LOCK_TIMEOUT" 9 || die "timed out waiting for $STACK_DIR/.lock"
  fi
}

# Fail fast, before starting anything, if a port belongs to someone else.
preflight_ports() {
  local with_services=$1 vars=(DB_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT MOTO_PORT) v pid
  [[ $STACK_SKIP_PROXY == 1 ]] || vars+=(FIDELITY_PORT)
  if [[ $with_services == 1 ]]; then
    vars+=(CATALOG_HTTP_PORT BUILDER_HTTP_PORT REPLICATOR_HTTP_PORT PERMISSIONS_HTTP_PORT
      MAINTENANCE_SCANNER_HTTP_PORT CONSOLE_HTTP_PORT CATALOG_GRPC_PORT BUILDER_GRPC_PORT)
  fi
  local pairs=(); for v in "${vars[@]}"; do pairs+=("$v=${!v}"); done
  check_distinct "${pairs[@]}"

  # shellcheck disable=SC2034 # PG_BIN is read by the pg.sh functions
  if PG_BIN=$(pg_bin_dir); then pg_resolve_paths; pid=$(pg_running_pid) || pid=""; else pid=""; fi
  check_port DB_PORT "$DB_PORT" "$pid"
  kafka_check_ports
  pid=$(our_pid moto "$MOTO_MATCH") || pid=""
  check_port MOTO_PORT "$MOTO_PORT" "$pid"
  if [[ $STACK_SKIP_PROXY != 1 ]]; then
    pid=$(our_pid fidelity-proxy "$PROXY_MATCH") || pid=""
    check_port FIDELITY_PORT "$FIDELITY_PORT" "$pid"
  fi
  [[ $with_services == 0 ]] || services_check_ports
}

cmd_infra() {
  local t0=$SECONDS
  take_lock; preflight_ports "${1:-0}"
  moto_install_bg
  ensure_node_modules # the Kafka readiness probe and the proxy run on Node 24
  pg_start
  kafka_start
  moto_start
  proxy_start
  log "infra ready in $((SECONDS - t0))s: postgres $DB_HOST:$DB_PORT, kafka $KAFKA_BROKERS, moto $MOTO_URL, AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"
}

cmd_up() {
  local t0=$SECONDS
  cmd_infra 1
  [[ ${STACK_SKIP_BUILD:-0} == 1 ]] || npm_build
  npm_migrate
  services_start
  npm_demo
  log "stack up in $((SECONDS - t0))s"
  cmd_status
}

cmd_down() {
  take_lock
  services_stop; proxy_stop; moto_stop; kafka_stop; pg_stop
  log "stack stopped (data kept in $STACK_DIR)"
}

# Restart one infrastructure component in place (the fault tests use it).
cmd_restart() {
  take_lock
  case ${1:-} in
    postgres | pg) pg_stop; pg_start ;;
    kafka) kafka_stop; kafka_start ;;
    moto) moto_stop; moto_start ;;
    proxy | fidelity-proxy) proxy_stop; proxy_start ;;
    *) die "restart what? (postgres, kafka, moto, proxy)" ;;
  esac
}

cmd_reset() {
  cmd_down
  pg_reset; kafka_reset
  rm -rf "$STACK_LOGS" "$STACK_PIDS"
  if [[ ${1:-} == --all ]]; then
    rm -rf "$STACK_DIR/kafka" "$STACK_DIR/moto"
    log "reset: deleted data, logs, Kafka jars and the moto venv"
  else
    log "reset: deleted data and logs (kept Kafka jars and the moto venv; --all removes them)"
  fi
}

cmd_status() {
  pg_status; kafka_status; moto_status
  if [[ $STACK_SKIP_PROXY == 1 ]]; then status_line fidelity-proxy "" "$FIDELITY_PORT" "skipped"; else proxy_status; fi
  services_status
}

known_logs() { local f; for f in "$STACK_LOGS"/*.log; do [[ -e $f ]] && basename "$f" .log; done | tr '\n' ' '; }

cmd_logs() {
  local n=100 follow=0 names=() files=() name
  [[ -t 1 ]] && follow=1
  while (($#)); do
    case $1 in
      -n) n=$2; shift 2 ;;
      -f | --follow) follow=1; shift ;;
      --no-follow) follow=0; shift ;;
      *) names+=("$1"); shift ;;
    esac
  done
  if ((${#names[@]} == 0)); then
    for name in "$STACK_LOGS"/*.log; do [[ -e $name ]] && files+=("$name"); done
  else
    for name in "${names[@]}"; do
      [[ $name == pg ]] && name=postgres
      [[ $name == proxy ]] && name=fidelity-proxy
      [[ -e $STACK_LOGS/$name.log ]] || die "no log $STACK_LOGS/$name.log (have: $(known_logs))"
      files+=("$STACK_LOGS/$name.log")
    done
  fi
  ((${#files[@]})) || die "no logs yet in $STACK_LOGS"
  if ((follow)); then exec tail -n "$n" -F "${files[@]}"; else tail -n "$n" "${files[@]}"; fi
}

main() {
  local cmd=${1:-up}; (($#)) && shift
  case $cmd in
    up) cmd_up ;;
    infra) cmd_infra 0 ;;
    down | stop) cmd_down ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    reset) cmd_reset "$@" ;;
    restart) cmd_restart "$@" ;;
    env) exec bash "$LIB/env.sh" ;;
    -h | --help | help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$cmd' (up, infra, down, status, logs [name], restart <component>, reset, env)" ;;
  esac
}

main "$@"
