# shellcheck shell=bash
# The project's fidelity proxy (tools/fidelity-proxy) in front of moto.

PROXY_MAIN="$REPO_ROOT/dist/tools/fidelity-proxy/main.js"
PROXY_MATCH="fidelity-proxy/main.js"

proxy_healthy() { http_ok "$FIDELITY_URL/_fidelity/health"; }

proxy_start() {
  if [[ $STACK_SKIP_PROXY == 1 ]]; then
    log "fidelity-proxy: skipped (STACK_SKIP_PROXY=1); AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"; return
  fi
  local pid
  if pid=$(our_pid fidelity-proxy "$PROXY_MATCH") &&
    ! { has_env "$pid" "FIDELITY_PORT=$FIDELITY_PORT" && has_env "$pid" "MOTO_URL=$MOTO_URL"; }; then
    log "fidelity-proxy: running with other ports; restarting"; proxy_stop
  fi
  if pid=$(our_pid fidelity-proxy "$PROXY_MATCH"); then
    wait_for "$STACK_PROXY_TIMEOUT" "fidelity proxy health" proxy_healthy ||
      die "fidelity-proxy (pid $pid) runs but $FIDELITY_URL/_fidelity/health is not 200"
    log "fidelity-proxy: already running (pid $pid, $FIDELITY_URL)"; return
  fi
  check_port FIDELITY_PORT "$FIDELITY_PORT"
  if [[ ! -f $PROXY_MAIN && -f $REPO_ROOT/tools/fidelity-proxy/main.ts ]]; then
    log "fidelity-proxy: $PROXY_MAIN missing; building"; npm_build
  fi
  [[ -f $PROXY_MAIN ]] ||
    die "fidelity-proxy: $PROXY_MAIN does not exist (tools/fidelity-proxy not written or not built: npm run build); set STACK_SKIP_PROXY=1 to run without it"
  log "fidelity-proxy: starting on $FIDELITY_URL -> $MOTO_URL"
  start_bg fidelity-proxy env MOTO_URL="$MOTO_URL" FIDELITY_PORT="$FIDELITY_PORT" \
    FIDELITY_HOST="$FIDELITY_HOST" FIDELITY_PENDING_MS="$FIDELITY_PENDING_MS" \
    FIDELITY_VISIBILITY_MS="$FIDELITY_VISIBILITY_MS" \
    FIDELITY_THROTTLE="$FIDELITY_THROTTLE" "$NODE_BIN" "$PROXY_MAIN"
  pid=$(<"$(pid_file fidelity-proxy)")
  local deadline=$((SECONDS + STACK_PROXY_TIMEOUT))
  until proxy_healthy; do
    alive "$pid" || { tail_log "$STACK_LOGS/fidelity-proxy.log"; die "fidelity-proxy: process exited during startup"; }
    ((SECONDS < deadline)) || { tail_log "$STACK_LOGS/fidelity-proxy.log"; die "fidelity-proxy: $FIDELITY_URL/_fidelity/health not 200 after ${STACK_PROXY_TIMEOUT}s"; }
    sleep 0.5
  done
  log "fidelity-proxy: ready ($FIDELITY_URL)"
}

proxy_stop() { stop_component fidelity-proxy "$PROXY_MATCH"; }

proxy_status() {
  local pid healthy=no
  pid=$(our_pid fidelity-proxy "$PROXY_MATCH") || pid=""
  [[ -n $pid ]] && proxy_healthy && healthy=yes
  status_line fidelity-proxy "$pid" "$FIDELITY_PORT" "$healthy"
}
