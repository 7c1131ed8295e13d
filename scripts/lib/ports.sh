# shellcheck shell=bash
# Who is listening on a TCP port, and refusing to start over somebody else's.

# listener_pids <port>: pids of processes with a LISTEN socket on the port (any
# address). Uses ss when present, else /proc (minimal containers lack iproute2).
listener_pids() {
  local port=$1
  if have ss; then
    ss -H -ltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
    return 0
  fi
  local hex inodes pid fd
  hex=$(printf '%04X' "$port")
  inodes=$(awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
  [[ -n $inodes ]] || return 0
  for fd in /proc/[0-9]*/fd/*; do
    local target; target=$(readlink "$fd" 2>/dev/null) || continue
    [[ $target == socket:\[*\] ]] || continue
    target=${target#socket:[}; target=${target%]}
    if grep -qx "$target" <<<"$inodes"; then pid=${fd#/proc/}; echo "${pid%%/*}"; fi
  done | sort -u
}

port_listening() {
  if have ss; then [[ -n $(ss -H -ltn "sport = :$1" 2>/dev/null) ]]; return; fi
  local hex; hex=$(printf '%04X' "$1")
  awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# is_descendant <pid> <ancestor>: pid == ancestor or ancestor is up its parent chain.
is_descendant() {
  local pid=$1 i
  for ((i = 0; i < 16; i++)); do
    [[ $pid == "$2" ]] && return 0
    [[ -n $pid && $pid != 0 && $pid != 1 ]] || return 1
    pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
  done
  return 1
}

describe_pid() {
  local cmd; cmd=$(cmdline_of "$1"); cmd=${cmd% }
  ((${#cmd} > 100)) && cmd="${cmd:0:97}..."
  echo "pid $1 ($cmd)"
}

# check_port <VAR_NAME> <port> [our-pid]: exit 1 when the port is taken by
# anything other than our-pid (or its children).
check_port() {
  local var=$1 port=$2 ours=${3:-} pids pid who=()
  port_listening "$port" || return 0
  pids=$(listener_pids "$port")
  for pid in $pids; do
    [[ -n $ours ]] && is_descendant "$pid" "$ours" && return 0
    who+=("$(describe_pid "$pid")")
  done
  ((${#who[@]})) || who=("an unknown process")
  printf 'port %s (%s) is already in use by %s; set %s to another port\n' \
    "$port" "$var" "$(IFS=,; echo "${who[*]}")" "$var" >&2
  exit 1
}

# check_distinct <VAR=port>...: two components configured on one port would
# otherwise fail late and obscurely.
check_distinct() {
  local seen=() kv other
  for kv in "$@"; do
    for other in "${seen[@]}"; do
      [[ ${other#*=} == "${kv#*=}" ]] && die "${kv%%=*} and ${other%%=*} are both set to port ${kv#*=}"
    done
    seen+=("$kv")
  done
}
