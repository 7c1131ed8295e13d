# shellcheck shell=bash
# Node toolchain steps (npm ci, build, migrate, demo), the five Nest services and the console.

# npm ci when node_modules is missing or older than package-lock.json.
ensure_node_modules() {
  local marker="$REPO_ROOT/node_modules/.package-lock.json"
  if [[ -f $marker && ! $REPO_ROOT/package-lock.json -nt $marker && -x $NODE_BIN ]]; then return; fi
  have npm || die "npm not found (install Node.js 20+ with npm)"
  log "npm ci"
  (cd "$REPO_ROOT" && npm ci --no-audit --no-fund 9>&-) || die "npm ci failed"
  [[ -x $NODE_BIN ]] || die "$NODE_BIN missing after npm ci (the 'node' devDependency provides Node 24)"
}

npm_build() {
  ensure_node_modules
  log "npm run build"
  (cd "$REPO_ROOT" && npm run -s build 9>&-) || die "npm run build failed"
}

npm_migrate() {
  log "npm run migrate"
  (cd "$REPO_ROOT" && npm run -s migrate 9>&-) || die "npm run migrate failed"
}

npm_demo() {
  if ! (cd "$REPO_ROOT" && "$NODE_BIN" -e 'process.exit(require("./package.json").scripts?.demo ? 0 : 1)'); then
    warn "package.json has no \"demo\" script yet; skipping the demo seed"; return
  fi
  log "npm run demo"
  (cd "$REPO_ROOT" && npm run -s demo 9>&-) || die "npm run demo failed"
}

# svc_vars <app> <role>: sets PREFIX, HTTP, GRPC for one service.
svc_vars() {
  PREFIX=$(tr 'a-z-' 'A-Z_' <<<"$1")
  local h="${PREFIX}_HTTP_PORT" g="${PREFIX}_GRPC_PORT"
  HTTP=${!h} GRPC=${!g:-}
}
svc_match() { echo "dist/apps/$1/src/main.js"; }
# svc_bus <app>: sets BUS_USER and BUS_PW_VAR, the app's own bus principal and its password's
# variable. The console reads the audit topic as ops (ami-ops), the services as themselves.
svc_bus() {
  if [[ $1 == console ]]; then BUS_USER=ami-ops BUS_PW_VAR=KAFKA_OPS_PASSWORD
  else BUS_USER="ami-$1" BUS_PW_VAR="KAFKA_$(tr 'a-z-' 'A-Z_' <<<"$1")_PASSWORD"; fi
}
svc_healthy() { http_ok "http://127.0.0.1:$1/health/ready"; }

services_check_ports() {
  local entry app pid
  for entry in $STACK_SERVICES; do
    app=${entry%%:*}; svc_vars "$app"
    pid=$(our_pid "$app" "$(svc_match "$app")") || pid=""
    check_port "${PREFIX}_HTTP_PORT" "$HTTP" "$pid"
    [[ -z $GRPC ]] || check_port "${PREFIX}_GRPC_PORT" "$GRPC" "$pid"
  done
}

services_start() {
  local entry app role pw main started=()
  for entry in $STACK_SERVICES; do
    app=${entry%%:*} role=${entry#*:}; svc_vars "$app"
    local pid
    if pid=$(our_pid "$app" "$(svc_match "$app")"); then
      if has_env "$pid" "HTTP_PORT=$HTTP"; then log "$app: already running (pid $pid)"; started+=("$app"); continue; fi
      log "$app: running on another port; restarting"; stop_component "$app" "$(svc_match "$app")"
    fi
    main="$REPO_ROOT/$(svc_match "$app")"
    [[ -f $main ]] || die "$app: $main does not exist (did npm run build compile apps/$app?)"
    pw="$(tr 'a-z' 'A-Z' <<<"$role")_DB_PASSWORD"
    svc_bus "$app"
    local grpc_env=() db_env=()
    [[ -z $GRPC ]] || grpc_env=(GRPC_PORT="$GRPC")
    # The console has no database (role "-"): it reads through the services' APIs.
    [[ $role == - ]] || db_env=(DB_HOST="$DB_HOST" DB_PORT="$DB_PORT" DB_NAME="$DB_NAME" DB_USER="$role" DB_PASSWORD="${!pw}")
    log "$app: starting (http $HTTP${GRPC:+, grpc $GRPC})"
    # The admin credentials stay with the migrate tool; a service gets its own role only, and
    # on the bus its own principal only (no other principal's password in its environment).
    local unset_kafka=() v
    for v in $(compgen -v KAFKA_ | grep '_PASSWORD$'); do unset_kafka+=(-u "$v"); done
    (cd "$REPO_ROOT" && start_bg "$app" env -u DB_ADMIN_USER -u DB_ADMIN_PASSWORD "${unset_kafka[@]}" HTTP_PORT="$HTTP" "${grpc_env[@]}" \
      "${db_env[@]}" \
      KAFKA_BROKERS="$KAFKA_BROKERS" KAFKA_SECURITY_PROTOCOL="$KAFKA_SECURITY_PROTOCOL" \
      KAFKA_SASL_USERNAME="$BUS_USER" KAFKA_SASL_PASSWORD="${!BUS_PW_VAR}" AWS_ENDPOINT_URL="$AWS_ENDPOINT_URL" AWS_REGION="$AWS_REGION" \
      AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
      LOG_LEVEL="$LOG_LEVEL" "$NODE_BIN" "$main")
    started+=("$app")
  done
  # Started together, waited for one by one (each against its own deadline).
  local deadline=$((SECONDS + STACK_SERVICE_TIMEOUT)) pid
  for app in "${started[@]}"; do
    svc_vars "$app"; pid=$(<"$(pid_file "$app")")
    until svc_healthy "$HTTP"; do
      alive "$pid" || { tail_log "$STACK_LOGS/$app.log" 30; die "$app: exited during startup"; }
      ((SECONDS < deadline)) || { tail_log "$STACK_LOGS/$app.log" 30; die "$app: GET http://127.0.0.1:$HTTP/health/ready not 200 after ${STACK_SERVICE_TIMEOUT}s"; }
      sleep 0.5
    done
    log "$app: ready (http://127.0.0.1:$HTTP)"
  done
}

# All at once: each drains its Kafka consumers for a couple of seconds.
services_stop() {
  local entry app waits=()
  for entry in $STACK_SERVICES; do
    app=${entry%%:*}
    stop_component "$app" "$(svc_match "$app")" &
    waits+=($!)
  done
  wait "${waits[@]}"
}

services_status() {
  local entry app pid healthy
  for entry in $STACK_SERVICES; do
    app=${entry%%:*}; svc_vars "$app"; healthy=no
    pid=$(our_pid "$app" "$(svc_match "$app")") || pid=""
    [[ -n $pid ]] && svc_healthy "$HTTP" && healthy=yes
    status_line "$app" "$pid" "$HTTP${GRPC:+,$GRPC}" "$healthy"
  done
}
