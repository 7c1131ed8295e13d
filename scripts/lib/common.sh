# shellcheck shell=bash
# Logging, waiting, process and package helpers shared by the component files.

log()  { printf '[stack %(%H:%M:%S)T] %s\n' -1 "$*"; }
warn() { printf '[stack %(%H:%M:%S)T] WARNING: %s\n' -1 "$*" >&2; }
die()  { printf '[stack %(%H:%M:%S)T] ERROR: %s\n' -1 "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [[ $EUID -eq 0 ]]; }

ensure_stack_dirs() { mkdir -p "$STACK_LOGS" "$STACK_PIDS"; }

# Installs Debian packages (fresh CI machines). Runs apt-get update once per run.
APT_UPDATED=0
apt_install() {
  if ! is_root || ! have apt-get; then die "missing $*; install it (apt-get install $*) and retry"; fi
  export DEBIAN_FRONTEND=noninteractive
  if [[ $APT_UPDATED == 0 ]]; then
    log "apt-get update"; apt-get update -qq 9>&- || die "apt-get update failed"; APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  apt-get install -y -qq --no-install-recommends "$@" 9>&- >/dev/null || die "apt-get install $* failed"
}

# wait_for <timeout-seconds> <what> <command...>: polls every 0.5 s.
wait_for() {
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { warn "timed out after ${timeout}s waiting for $what"; return 1; }
    sleep 0.5
  done
}

tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# http_ok <url>: true when GET answers 200. curl if present, else bash /dev/tcp.
http_ok() {
  if have curl; then
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$1" 2>/dev/null) == 200 ]]
    return
  fi
  local rest=${1#http://} hostport path; hostport=${rest%%/*}; path=/${rest#*/}
  [[ $rest == */* ]] || path=/
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$2" "$0" >&3
    IFS=" " read -r _ code _ <&3; [[ $code == 200 ]]' "${hostport%:*}" "${hostport##*:}" "$path" 2>/dev/null
}

# --- pid files -------------------------------------------------------------
pid_file() { echo "$STACK_PIDS/$1.pid"; }
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; }

# has_env <pid> VAR=value: the process was started with that environment entry.
has_env() { tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | grep -qxF "$2"; }

# alive <pid>: exists and is not a zombie (an exited orphan stays a zombie until
# PID 1 reaps it, which some container inits do late or never).
alive() {
  local stat
  kill -0 "$1" 2>/dev/null && stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
  stat=${stat##*) }; [[ ${stat:0:1} != Z ]]
}

# our_pid <name> <cmdline-pattern>: prints the recorded pid if that process is
# alive AND its command line still matches (guards against recycled pids).
our_pid() {
  local f pid; f=$(pid_file "$1")
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [[ $(cmdline_of "$pid") == *"$2"* ]] || return 1
  echo "$pid"
}

# start_bg <name> <command...>: detached (own session), output to the log file.
# fd 9 (the stack lock) is closed so the child never holds it.
start_bg() {
  local name=$1; shift
  local logf="$STACK_LOGS/$name.log" shown=() arg
  # Passwords passed as VAR=value never reach the log.
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Z_]*(PASSWORD|SECRET)[A-Z_]*= ]]; then shown+=("${arg%%=*}=[redacted]"); else shown+=("$arg"); fi
  done
  printf '\n===== %s starting: %s\n' "$(date -Is)" "${shown[*]}" >>"$logf"
  setsid "$@" >>"$logf" 2>&1 </dev/null 9>&- &
  echo $! >"$(pid_file "$name")"
}

# stop_pid <name> <pid>: TERM, wait, then KILL.
stop_pid() {
  local name=$1 pid=$2 deadline=$((SECONDS + STACK_STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid"; do
    if ((SECONDS >= deadline)); then
      warn "$name (pid $pid) ignored SIGTERM for ${STACK_STOP_TIMEOUT}s; killing"
      kill -KILL "$pid" 2>/dev/null || true; break
    fi
    sleep 0.2
  done
  rm -f "$(pid_file "$name")"
}

# stop_component <name> <cmdline-pattern>
stop_component() {
  local pid
  if pid=$(our_pid "$1" "$2"); then
    log "$1: stopping (pid $pid)"; stop_pid "$1" "$pid"
  else
    rm -f "$(pid_file "$1")"
  fi
}

tail_log() { log "last ${2:-30} lines of $1:"; tail -n "${2:-30}" "$1" 2>/dev/null | sed 's/^/    /' >&2 || true; }

# status_line <name> <pid-or-empty> <port> <healthy:yes|no>
status_line() {
  local state=stopped; [[ -n $2 ]] && state=running
  printf '%-20s %-8s pid=%-8s port=%-12s healthy=%s\n' "$1" "$state" "${2:--}" "$3" "$4"
}
