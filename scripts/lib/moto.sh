# shellcheck shell=bash
# moto_server (EC2/SSM emulator) from a project venv with a pinned moto, falling
# back to a moto_server already on PATH when PyPI cannot be reached.

MOTO_DIR="$STACK_DIR/moto"
# The venv can be shared between stacks (the test stack reads the dev stack's copy).
: "${MOTO_VENV:=$MOTO_DIR/venv}"
MOTO_REQS="$REPO_ROOT/infra/moto/requirements.txt"
MOTO_MATCH="moto_server"

moto_venv_ok() {
  [[ -x $MOTO_VENV/bin/moto_server && -f $MOTO_VENV/.stamp &&
    $(<"$MOTO_VENV/.stamp") == "$(sha256sum "$MOTO_REQS" | cut -c1-64)" ]]
}

# moto_install_venv [apt]: 0 = installed, 1 = pip failed (PyPI unreachable?),
# 2 = no working venv module (and apt not allowed: it may run in the background
# while postgres is apt-installed, and two apt-gets would collide on the lock).
# Another stack sharing this venv may be installing it right now: one installer at a time
# (the lock lives in a subshell, so nothing started later inherits it).
moto_install_venv() {
  mkdir -p "$(dirname "$MOTO_VENV")"
  (
    exec 7>"$MOTO_VENV.lock"; flock -w "$STACK_LOCK_TIMEOUT" 7 || exit 1
    moto_venv_ok && exit 0
    moto_install_venv_locked "$@"
  )
}

moto_install_venv_locked() {
  local plog="$STACK_LOGS/moto-pip.log"
  rm -rf "$MOTO_VENV"
  if ! "$PYTHON" -m venv "$MOTO_VENV" >"$plog" 2>&1; then
    [[ ${1:-} == apt ]] && is_root && have apt-get || return 2
    apt_install python3-venv
    "$PYTHON" -m venv "$MOTO_VENV" >"$plog" 2>&1 || return 2
  fi
  # --no-compile: Python compiles what moto imports on first use; saves ~7 s cold.
  if "$MOTO_VENV/bin/pip" install -q --no-compile --disable-pip-version-check --timeout 20 --retries 1 \
    -r "$MOTO_REQS" >>"$plog" 2>&1; then
    sha256sum "$MOTO_REQS" | cut -c1-64 >"$MOTO_VENV/.stamp"; return 0
  fi
  rm -rf "$MOTO_VENV"; return 1
}

# Cold start: pip (the slowest step, ~20 s) runs while postgres and kafka start.
MOTO_INSTALL_PID=""
# It keeps the stack lock (fd 9) open: should this run die early, the next
# stack.sh waits for the orphaned pip instead of racing it.
moto_install_bg() {
  if moto_venv_ok || our_pid moto "$MOTO_MATCH" >/dev/null || ! have "$PYTHON"; then return 0; fi
  log "moto: creating $MOTO_VENV in the background (pip install -r infra/moto/requirements.txt)"
  moto_install_venv &
  MOTO_INSTALL_PID=$!
}

# Sets MOTO_BIN and MOTO_PY (the python that runs seed.py).
moto_ensure_installed() {
  local rc=0
  if [[ -n $MOTO_INSTALL_PID ]]; then
    wait "$MOTO_INSTALL_PID" || rc=$?; MOTO_INSTALL_PID=""
    ((rc != 2)) || { rc=0; moto_install_venv apt || rc=$?; }
  elif ! moto_venv_ok; then
    have "$PYTHON" || apt_install python3 python3-venv
    log "moto: creating $MOTO_VENV (pip install -r infra/moto/requirements.txt)"
    moto_install_venv apt || rc=$?
  fi
  if ((rc == 0)); then MOTO_BIN="$MOTO_VENV/bin/moto_server" MOTO_PY="$MOTO_VENV/bin/python"; return; fi
  have moto_server || { tail_log "$STACK_LOGS/moto-pip.log"; die "moto: could not install $MOTO_REQS and no moto_server on PATH"; }
  MOTO_BIN=$(command -v moto_server) MOTO_PY=$PYTHON
  warn "moto: could not install $MOTO_REQS from PyPI (see $STACK_LOGS/moto-pip.log); using $MOTO_BIN (moto $("$PYTHON" -c 'import moto; print(moto.__version__)' 2>/dev/null || echo "version unknown"))"
}

moto_healthy() { http_ok "$MOTO_URL/moto-api/"; }

moto_start() {
  local pid
  if pid=$(our_pid moto "$MOTO_MATCH") && [[ $(cmdline_of "$pid") != *" -H $MOTO_HOST -p $MOTO_PORT "* ]]; then
    log "moto: running on other settings than $MOTO_HOST:$MOTO_PORT; restarting"; moto_stop
  fi
  if pid=$(our_pid moto "$MOTO_MATCH"); then
    wait_for "$STACK_MOTO_TIMEOUT" "moto on $MOTO_URL" moto_healthy ||
      die "moto (pid $pid) is running but not answering on $MOTO_URL; try: scripts/stack.sh down"
    log "moto: already running (pid $pid, $MOTO_URL)"
  else
    check_port MOTO_PORT "$MOTO_PORT"
    moto_ensure_installed
    log "moto: starting on $MOTO_URL"
    start_bg moto "$MOTO_BIN" -H "$MOTO_HOST" -p "$MOTO_PORT"
    pid=$(<"$(pid_file moto)")
    local deadline=$((SECONDS + STACK_MOTO_TIMEOUT))
    until moto_healthy; do
      alive "$pid" || { tail_log "$STACK_LOGS/moto.log"; die "moto: process exited during startup"; }
      ((SECONDS < deadline)) || { tail_log "$STACK_LOGS/moto.log"; die "moto: not answering on $MOTO_URL after ${STACK_MOTO_TIMEOUT}s"; }
      sleep 0.5
    done
    log "moto: ready ($MOTO_URL)"
  fi
  moto_seed
}

# moto keeps state in memory, so seeding runs after every start (it is idempotent).
moto_seed() {
  [[ -n ${MOTO_PY:-} ]] || { if [[ -x $MOTO_VENV/bin/python ]]; then MOTO_PY="$MOTO_VENV/bin/python"; else MOTO_PY=$PYTHON; fi; }
  if ! "$MOTO_PY" "$REPO_ROOT/infra/moto/seed.py" 2>&1 | tee -a "$STACK_LOGS/moto-seed.log" |
    sed 's/^/[stack] moto seed: /'; then
    die "moto: seeding $MOTO_URL failed (infra/moto/seed.py)"
  fi
}

moto_stop() { stop_component moto "$MOTO_MATCH"; }

moto_status() {
  local pid healthy=no
  pid=$(our_pid moto "$MOTO_MATCH") || pid=""
  [[ -n $pid ]] && moto_healthy && healthy=yes
  status_line moto "$pid" "$MOTO_PORT" "$healthy"
}
