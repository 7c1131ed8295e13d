#!/usr/bin/env bash
# The resolve benchmark (bench/resolve/README.md): the catalog's hot
# path over HTTP and gRPC against nginx serving the same body, on this machine, in one run.
#
#   npm run bench:resolve            (= bash bench/resolve/run.sh)
#
# 1. tools: nginx + wrk (Debian packages), ghz (go install into .stack/bin; falls back to
#    bench/resolve/grpc-load.mjs when it cannot be had);
# 2. data: BENCH_FAMILIES families bench-00001 ... (5 versions x 8 regions each, prod on the
#    4th) in the catalog's own tables, as the catalog role; loaded once, skipped when present;
# 3. a catalog from dist/ on free ports, as its own process (joins the "catalog" consumer group
#    like any replica); a reader token;
# 4. the cache warmed over every key, then, each for BENCH_SECONDS after BENCH_WARMUP_SECONDS of
#    warm-up, with one client thread/core and BENCH_CONNECTIONS connections/streams:
#    nginx (1 worker, access_log off) serving the catalog's own answer to the same request
#    stream, the catalog over HTTP (wrk + resolve.lua cycling BENCH_KEYS keys, bearer token),
#    the catalog over gRPC ResolveImage (ghz, token in metadata, the same keys);
# 5. a table on stdout and bench/results/resolve.json. Goals are reported, never asserted.
#
# Settings (environment):
#   BENCH_SECONDS=10 BENCH_WARMUP_SECONDS=3 BENCH_CONNECTIONS=64 BENCH_ROUNDS=1 (median of N)
#   BENCH_FAMILIES=10000 BENCH_KEYS=20000
#   BENCH_TARGETS=nginx,http,grpc   or all = also the diagnostics: live (the catalog's
#     GET /health/live: Nest + Fastify without auth or lookup) and grpc-bare (a bare @grpc/grpc-js
#     server answering ResolveImage from a Map: the gRPC counterpart of nginx)
#   BENCH_GRPC_CLIENT=auto|ghz|node   BENCH_GHZ_VERSION=v0.120.0
#   BENCH_GRPC_PACED_RPS=5000  after each gRPC run at full load, a run paced at this many calls/s
#     (ghz only; 0 = none) for the latency below saturation
#   BENCH_CPU_PROF=1   profile the catalog (node --cpu-prof) and print where its time went
#   BENCH_KEEP=1       keep the work directory (raw outputs, logs)
#   BENCH_OUT=bench/results/resolve.json
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

: "${BENCH_SECONDS:=10}" "${BENCH_WARMUP_SECONDS:=3}" "${BENCH_CONNECTIONS:=64}" "${BENCH_ROUNDS:=1}"
: "${BENCH_FAMILIES:=10000}" "${BENCH_KEYS:=20000}" "${BENCH_TARGETS:=nginx,http,grpc}"
[[ $BENCH_TARGETS != all ]] || BENCH_TARGETS=nginx,http,grpc,live,grpc-bare
: "${BENCH_GRPC_CLIENT:=auto}" "${BENCH_GHZ_VERSION:=v0.120.0}" "${BENCH_CPU_PROF:=0}" "${BENCH_KEEP:=0}"
: "${BENCH_OUT:=bench/results/resolve.json}" "${BENCH_GRPC_PACED_RPS:=5000}"
# Which BENCH_* variables the caller set (for the command line recorded in the results).
BENCH_OVERRIDES=$(env | sed -n 's/^\(BENCH_[A-Z_]*\)=.*/\1/p' | tr '\n' ' ')
export BENCH_SECONDS BENCH_WARMUP_SECONDS BENCH_CONNECTIONS BENCH_ROUNDS BENCH_FAMILIES BENCH_KEYS \
  BENCH_OVERRIDES BENCH_GRPC_PACED_RPS

NODE="$ROOT/node_modules/.bin/node"
STACK_BIN="$ROOT/.stack/bin"
PROTO_ROOT="$ROOT/libs/contracts/proto"
PROTO="$PROTO_ROOT/ami/catalog/v1/catalog.proto"
CATALOG_MAIN="dist/apps/catalog/src/main.js"
MINT_TOKEN="dist/tools/cli/mint-token.js"

log() { printf '\033[1m[bench:resolve]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[bench:resolve] warning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[bench:resolve] error:\033[0m %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
# shellcheck disable=SC2016 # $0 and $1 are the inner bash's arguments
tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]] && (($1 > 0)); }
has_target() { [[ ",$BENCH_TARGETS," == *",$1,"* ]]; }

STACK_HINT="start the local stack and prepare the catalog first:
    npm run stack -- infra
    npm run build && npm run migrate"

# --- settings -----------------------------------------------------------------------------
for v in BENCH_SECONDS BENCH_CONNECTIONS BENCH_ROUNDS BENCH_FAMILIES BENCH_KEYS; do
  is_uint "${!v}" || die "$v must be a positive integer (got '${!v}')"
done
[[ $BENCH_WARMUP_SECONDS =~ ^[0-9]+$ ]] || die "BENCH_WARMUP_SECONDS must be an integer >= 0"
((BENCH_FAMILIES <= 99999)) || die "BENCH_FAMILIES must be at most 99999 (names are bench-NNNNN)"
((BENCH_KEYS <= BENCH_FAMILIES * 8)) || die "BENCH_KEYS must be at most BENCH_FAMILIES x 8"
for t in ${BENCH_TARGETS//,/ }; do
  [[ $t =~ ^(nginx|http|grpc|live|grpc-bare)$ ]] ||
    die "BENCH_TARGETS: unknown target '$t' (nginx, http, grpc, live, grpc-bare, or all)"
done
[[ $BENCH_GRPC_CLIENT =~ ^(auto|ghz|node)$ ]] || die "BENCH_GRPC_CLIENT must be auto, ghz or node"

# --- cleanup --------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-resolve.XXXXXX")
CATALOG_PID="" NGINX_PID="" BARE_PID="" OK=0

stop_pid() { # stop_pid <pid> <name> <signal>: signal, wait up to 15 s, then SIGKILL
  local pid=$1 name=$2 sig=$3 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name (pid $pid) did not stop in 15 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$NGINX_PID" nginx TERM
  stop_pid "$BARE_PID" grpc-bare-server TERM
  stop_pid "$CATALOG_PID" catalog TERM
  if ((rc == 130 || rc == 143)); then
    log "interrupted: stopped what this run started"
  elif ((OK == 0 && rc != 0)) && [[ -s $WORK/catalog.log ]]; then
    warn "last lines of the catalog's log ($WORK/catalog.log):"
    tail -n 30 "$WORK/catalog.log" >&2 || true
  fi
  if [[ $BENCH_KEEP == 1 ]] || ((OK == 0 && rc != 0 && rc != 130 && rc != 143)) && [[ -e $WORK/catalog.log ]]; then
    log "kept the work directory: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'warn "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. preconditions -----------------------------------------------------------------------
[[ -x $NODE ]] || die "$NODE is missing: run npm ci (the 'node' devDependency provides Node 24)"
[[ -f $CATALOG_MAIN && -f $MINT_TOKEN ]] || die "$CATALOG_MAIN or $MINT_TOKEN is missing: $STACK_HINT"
# The build's own record (tsc rewrites it on every build that changed anything; an unchanged
# output file such as main.js keeps its old time).
BUILD_INFO=$ROOT/dist/.tsbuildinfo
[[ -f $BUILD_INFO ]] || BUILD_INFO=$CATALOG_MAIN
if [[ -n $(find apps/catalog/src libs -name '*.ts' ! -name '*.spec.ts' ! -name '*-spec.ts' -newer "$BUILD_INFO" -print -quit 2>/dev/null) ]]; then
  warn "sources changed since dist/ was built: measuring the built code (npm run build to refresh)"
fi
# shellcheck disable=SC1090
eval "$(bash scripts/stack.sh env)" || die "bash scripts/stack.sh env failed"
export PGHOST=$DB_HOST PGPORT=$DB_PORT PGDATABASE=$DB_NAME PGUSER=catalog PGPASSWORD=$CATALOG_DB_PASSWORD
export PGCONNECT_TIMEOUT=5 PGAPPNAME=bench-resolve
have psql || die "psql is missing (apt-get install postgresql-client): $STACK_HINT"
tcp_open "$DB_HOST" "$DB_PORT" || die "PostgreSQL is not answering on $DB_HOST:$DB_PORT: $STACK_HINT"
psql -XAtqc 'SELECT 1' >/dev/null 2>"$WORK/psql.err" ||
  die "cannot connect to $DB_NAME as catalog: $(head -n 2 "$WORK/psql.err"); $STACK_HINT"
[[ $(psql -XAtqc "SELECT to_regclass('catalog.regional_copies') IS NOT NULL AND to_regclass('catalog.channels') IS NOT NULL") == t ]] ||
  die "the catalog schema has no tables yet (migrations not run): $STACK_HINT"
kafka_first=${KAFKA_BROKERS%%,*}
tcp_open "${kafka_first%:*}" "${kafka_first##*:}" || die "Kafka is not answering on $kafka_first: $STACK_HINT"

# --- 1b. tools ------------------------------------------------------------------------------
APT_UPDATED=0
apt_install() { # apt_install <package...>: install; on failure apt-get update once and retry
  if [[ $(id -u) != 0 ]] || ! have apt-get; then
    die "missing $*; install it (apt-get install -y $*) and run again"
  fi
  log "apt-get install -y $*"
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$WORK/apt.log" 2>&1; then return 0; fi
  if ((APT_UPDATED == 0)); then
    log "apt-get update (the install failed; retrying after it)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$WORK/apt.log" 2>&1 || { tail -n 5 "$WORK/apt.log" >&2; return 1; }
    APT_UPDATED=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$WORK/apt.log" 2>&1 && return 0
  fi
  tail -n 5 "$WORK/apt.log" >&2
  return 1
}
need_wrk=0
if has_target nginx || has_target http || has_target live; then need_wrk=1; fi
if has_target nginx && ! have nginx; then
  apt_install nginx-light || apt_install nginx || die "could not install nginx"
fi
if ((need_wrk)) && ! have wrk; then apt_install wrk || die "could not install wrk"; fi

GHZ="$STACK_BIN/ghz" GRPC_CLIENT=""
install_ghz() {
  have go || { warn "go is not installed: cannot build ghz"; return 1; }
  local gotmp; gotmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ghz.XXXXXX")
  log "go install github.com/bojand/ghz/cmd/ghz@$BENCH_GHZ_VERSION (into .stack/bin; about a minute)"
  mkdir -p "$STACK_BIN"
  if GOBIN="$STACK_BIN" GOPATH="$gotmp/gopath" GOMODCACHE="$gotmp/mod" GOCACHE="$gotmp/cache" \
    GOFLAGS=-modcacherw GOTOOLCHAIN=local timeout 900 \
    go install "github.com/bojand/ghz/cmd/ghz@$BENCH_GHZ_VERSION" >"$WORK/ghz-install.log" 2>&1; then
    rm -rf "$gotmp"
    echo "$BENCH_GHZ_VERSION" >"$STACK_BIN/ghz.version"
    return 0
  fi
  rm -rf "$gotmp"
  warn "go install of ghz failed: $(tail -n 3 "$WORK/ghz-install.log")"
  return 1
}
if has_target grpc || has_target grpc-bare; then
  if [[ $BENCH_GRPC_CLIENT != node ]]; then
    if [[ -x $GHZ && $(cat "$STACK_BIN/ghz.version" 2>/dev/null) == "$BENCH_GHZ_VERSION" ]] || install_ghz; then
      GRPC_CLIENT=ghz
    elif [[ $BENCH_GRPC_CLIENT == ghz ]]; then
      die "ghz $BENCH_GHZ_VERSION could not be installed (BENCH_GRPC_CLIENT=ghz)"
    else
      warn "falling back to bench/resolve/grpc-load.mjs for gRPC"
    fi
  fi
  if [[ -z $GRPC_CLIENT ]]; then
    GRPC_CLIENT=node
    "$NODE" -e "import('@grpc/grpc-js').then(() => import('@grpc/proto-loader'))" 2>/dev/null ||
      die "neither ghz nor @grpc/grpc-js + @grpc/proto-loader (npm ci) is available for the gRPC run"
  fi
fi
if [[ $GRPC_CLIENT == ghz ]]; then
  BENCH_GRPC_CLIENT_DESC="ghz $BENCH_GHZ_VERSION (--cpus 1, one connection, -c $BENCH_CONNECTIONS)"
else
  BENCH_GRPC_CLIENT_DESC="bench/resolve/grpc-load.mjs (@grpc/grpc-js $("$NODE" -p "require('@grpc/grpc-js/package.json').version" 2>/dev/null), one channel, $BENCH_CONNECTIONS in flight)"
fi
export BENCH_GRPC_CLIENT_DESC
cut -d' ' -f1-3 /proc/loadavg >"$WORK/loadavg.before"
BENCH_CLK_TCK=$(getconf CLK_TCK)
export BENCH_CLK_TCK

# --- 2. data --------------------------------------------------------------------------------
expected_copies=$((BENCH_FAMILIES * 40))
read -r have_families have_copies have_channels < <(psql -XAtqF ' ' -c "
  SELECT (SELECT count(*) FROM catalog.families WHERE name ~ '^bench-[0-9]+\$'),
         (SELECT count(*) FROM catalog.regional_copies WHERE family ~ '^bench-[0-9]+\$' AND state = 'available'),
         (SELECT count(*) FROM catalog.channels WHERE family ~ '^bench-[0-9]+\$' AND name = 'prod' AND version = '2026.11.04-1')")
if [[ $have_families == "$BENCH_FAMILIES" && $have_copies == "$expected_copies" && $have_channels == "$BENCH_FAMILIES" ]]; then
  log "bench data present: $BENCH_FAMILIES families, $expected_copies regional copies (skipping the load)"
else
  log "loading bench data: $BENCH_FAMILIES families x 5 versions x 8 regions (found $have_families families, $have_copies copies)"
  t0=$SECONDS
  psql -Xq -v families="$BENCH_FAMILIES" -f "$HERE/load-data.sql" >"$WORK/load.log" 2>&1 ||
    die "loading the bench data failed: $(tail -n 5 "$WORK/load.log")"
  log "loaded in $((SECONDS - t0)) s"
fi
"$NODE" "$HERE/keys.mjs" "$BENCH_FAMILIES" "$BENCH_KEYS" "$WORK" >/dev/null

# --- 3. the catalog -------------------------------------------------------------------------
mapfile -t ports < <("$NODE" "$ROOT/scripts/lib/free-ports.mjs" 4)
((${#ports[@]} == 4)) || die "could not find free ports"
HTTP_PORT=${ports[0]} GRPC_PORT=${ports[1]} NGINX_PORT=${ports[2]} BARE_PORT=${ports[3]}
NODE_FLAGS=()
if [[ $BENCH_CPU_PROF == 1 ]]; then
  PROF_DIR="$ROOT/bench/results/resolve-cpu-profile"
  rm -rf "$PROF_DIR"; mkdir -p "$PROF_DIR"
  NODE_FLAGS=(--cpu-prof --cpu-prof-dir="$PROF_DIR")
fi
log "starting the catalog ($CATALOG_MAIN): HTTP 127.0.0.1:$HTTP_PORT, gRPC 127.0.0.1:$GRPC_PORT"
HTTP_PORT=$HTTP_PORT GRPC_PORT=$GRPC_PORT HTTP_HOST=127.0.0.1 GRPC_HOST=127.0.0.1 \
  DB_USER=catalog DB_PASSWORD=$CATALOG_DB_PASSWORD LOG_LEVEL=warn NODE_ENV=production \
  "$NODE" "${NODE_FLAGS[@]}" "$CATALOG_MAIN" >"$WORK/catalog.log" 2>&1 &
CATALOG_PID=$!
started=$SECONDS deadline=$((SECONDS + 60))
until curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/health/ready"; do
  kill -0 "$CATALOG_PID" 2>/dev/null || die "the catalog exited while starting (log above)"
  ((SECONDS < deadline)) || die "the catalog was not ready in 60 s: $(curl -s "http://127.0.0.1:$HTTP_PORT/health/ready")"
  sleep 0.3
done
until tcp_open 127.0.0.1 "$GRPC_PORT"; do
  ((SECONDS < deadline)) || die "the catalog's gRPC port $GRPC_PORT is not open"
  sleep 0.3
done
BENCH_TOKEN=$("$NODE" "$MINT_TOKEN" --role reader --sub bench --expires 2h) || die "minting a reader token failed"
export BENCH_TOKEN
log "catalog ready in $((SECONDS - started)) s (pid $CATALOG_PID); warming the cache over $BENCH_KEYS keys"
"$NODE" "$HERE/warm.mjs" "http://127.0.0.1:$HTTP_PORT" "$WORK/paths.txt" "$WORK/body.json" 32 >&2 ||
  die "the warm-up pass failed"
log "answer: $(cat "$WORK/body.json") ($(wc -c <"$WORK/body.json") bytes)"

# --- 4a. nginx ------------------------------------------------------------------------------
if has_target nginx; then
  mkdir -p "$WORK/nginx/tmp" "$WORK/nginx/html"
  cp "$WORK/body.json" "$WORK/nginx/html/body.json"
  # The worker runs as nobody: it must reach the file (and only the file) through the work dir.
  chmod 711 "$WORK" "$WORK/nginx"
  chmod -R a+rX "$WORK/nginx/html"
  cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/tmp;
  proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp;
  scgi_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/nginx/html;
    default_type application/json;
    # Every resolve path (and query) gets the one static answer.
    location / { try_files /body.json =404; }
  }
}
EOF
  nginx -t -q -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/" -e "$WORK/nginx/error.log" 2>"$WORK/nginx/test.log" ||
    die "nginx rejected its config: $(cat "$WORK/nginx/test.log")"
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/" -e "$WORK/nginx/error.log" >"$WORK/nginx/out.log" 2>&1 &
  NGINX_PID=$!
  deadline=$((SECONDS + 10))
  until tcp_open 127.0.0.1 "$NGINX_PORT"; do
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited: $(cat "$WORK/nginx/out.log" "$WORK/nginx/error.log" 2>/dev/null)"
    ((SECONDS < deadline)) || die "nginx did not open port $NGINX_PORT"
    sleep 0.2
  done
  cmp -s <(curl -sf "http://127.0.0.1:$NGINX_PORT$(head -n 1 "$WORK/paths.txt")") "$WORK/body.json" ||
    die "nginx does not answer with the catalog's body"
  log "nginx $(nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$NGINX_PORT (pid $NGINX_PID), serving the same $(wc -c <"$WORK/body.json") bytes"
fi

# --- 4b. the bare gRPC server ---------------------------------------------------------------
if has_target grpc-bare; then
  "$NODE" "$HERE/grpc-bare-server.mjs" "$BARE_PORT" "$PROTO_ROOT" "$WORK/grpc-data.json" >"$WORK/grpc-bare.log" 2>&1 &
  BARE_PID=$!
  deadline=$((SECONDS + 15))
  until tcp_open 127.0.0.1 "$BARE_PORT"; do
    kill -0 "$BARE_PID" 2>/dev/null || die "the bare gRPC server exited: $(cat "$WORK/grpc-bare.log")"
    ((SECONDS < deadline)) || die "the bare gRPC server did not open port $BARE_PORT"
    sleep 0.2
  done
  log "bare @grpc/grpc-js server on 127.0.0.1:$BARE_PORT (pid $BARE_PID)"
fi

# --- 4c. measurements -----------------------------------------------------------------------
cpu_ticks() { # utime + stime of the given pids and their children processes (nginx workers)
  local pid total=0 p
  for pid in "$@"; do
    for p in "$pid" $(pgrep -P "$pid" 2>/dev/null || true); do
      [[ -r /proc/$p/stat ]] || continue
      total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
    done
  done
  echo "$total"
}

# Busy ticks of the whole machine so far (all CPUs; total less idle and iowait), from /proc/stat.
machine_busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# CLOCK_MONOTONIC in microseconds: the clock of a V8 CPU profile's timestamps.
mono_us() { "$NODE" -p 'String(process.hrtime.bigint() / 1000n)'; }

children_cpu() { # sets CHILD_CPU: CPU seconds (user + sys) of this shell's waited-for children
  times >"$WORK/times.txt" # here, not in a $(subshell): that would only see its own children
  CHILD_CPU=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); s += p[1] * 60 + p[2] } }
    END { printf "%.3f", s }' "$WORK/times.txt")
}

# measure <server pid> <seconds> <base> <outfile> <command...>: runs the load generator with
# its output in <outfile>; <base>.cpu gets the server's CPU ticks before and after, the
# seconds, the CPU seconds the load generator used (is the client the limit?) and the busy
# ticks of the whole machine (what else was running: the machine is shared).
measure() {
  local pid=$1 secs=$2 base=$3 out=$4; shift 4
  local before after c0 m0 m1
  children_cpu; c0=$CHILD_CPU
  [[ $BENCH_CPU_PROF != 1 ]] || mono_us >"$base.window"
  before=$(cpu_ticks "$pid") m0=$(machine_busy_ticks)
  "$@" >"$out" 2>&1 || { cat "$out" >&2; die "the load generator failed: $1"; }
  after=$(cpu_ticks "$pid") m1=$(machine_busy_ticks)
  [[ $BENCH_CPU_PROF != 1 ]] || mono_us >>"$base.window"
  children_cpu
  echo "$before $after $secs $(awk -v a="$c0" -v b="$CHILD_CPU" 'BEGIN { printf "%.3f", b - a }') $((m1 - m0))" >"$base.cpu"
}

wrk_run() { # wrk_run <url> <paths file> <token or ''> <seconds>
  BENCH_PATHS=$2 BENCH_TOKEN=$3 wrk -t1 -c"$BENCH_CONNECTIONS" -d"$4s" --timeout 5s --latency \
    -s "$HERE/resolve.lua" "$1"
}

grpc_run() { # grpc_run <port> <seconds> <outfile> [calls per second: paced, ghz only]
  if [[ $GRPC_CLIENT == ghz ]]; then
    "$GHZ" --insecure --proto "$PROTO" --import-paths "$PROTO_ROOT" ${4:+--rps "$4"} \
      --call ami.catalog.v1.CatalogService.ResolveImage -c "$BENCH_CONNECTIONS" -z "$2s" --cpus 1 \
      -D "$WORK/grpc-data.json" -M "$WORK/grpc-metadata.json" --format json --output "$3" \
      "127.0.0.1:$1"
  else
    "$NODE" "$HERE/grpc-load.mjs" --target "127.0.0.1:$1" --proto "$PROTO" \
      --import-path "$PROTO_ROOT" --data "$WORK/grpc-data.json" \
      --concurrency "$BENCH_CONNECTIONS" --seconds "$2" --out "$3"
  fi
}

if has_target grpc || has_target grpc-bare; then
  (umask 077 && printf '{"authorization":"Bearer %s"}\n' "$BENCH_TOKEN" >"$WORK/grpc-metadata.json")
fi
echo /health/live >"$WORK/live-paths.txt"

run_target() { # run_target <target> <round>
  local k=$2 w=$BENCH_WARMUP_SECONDS s=$BENCH_SECONDS base url paths token
  case $1 in
    nginx) base="$WORK/nginx.r$k" url="http://127.0.0.1:$NGINX_PORT/" paths="$WORK/paths.txt" token=$BENCH_TOKEN
      log "round $k: nginx static, ${w} s warm-up + ${s} s" ;;
    http) base="$WORK/catalog_http.r$k" url="http://127.0.0.1:$HTTP_PORT/" paths="$WORK/paths.txt" token=$BENCH_TOKEN
      log "round $k: catalog HTTP resolve, ${w} s warm-up + ${s} s" ;;
    live) base="$WORK/catalog_http_live.r$k" url="http://127.0.0.1:$HTTP_PORT/" paths="$WORK/live-paths.txt" token=""
      log "round $k: catalog HTTP /health/live (no auth, no lookup), ${w} s warm-up + ${s} s" ;;
    grpc | grpc-bare)
      local port=$GRPC_PORT pid=$CATALOG_PID ext=ghz.json name=catalog_grpc
      [[ $GRPC_CLIENT == ghz ]] || ext=node.json
      if [[ $1 == grpc-bare ]]; then
        port=$BARE_PORT pid=$BARE_PID name=grpcjs_bare
        log "round $k: bare @grpc/grpc-js ResolveImage ($GRPC_CLIENT), ${w} s warm-up + ${s} s"
      else
        log "round $k: catalog gRPC ResolveImage ($GRPC_CLIENT), ${w} s warm-up + ${s} s"
      fi
      base="$WORK/$name.r$k"
      if ((w > 0)); then
        grpc_run "$port" "$w" "$WORK/grpc-warmup.out" >"$WORK/grpc-warmup.log" 2>&1 ||
          { cat "$WORK/grpc-warmup.log" >&2; die "the gRPC warm-up run failed"; }
      fi
      measure "$pid" "$s" "$base" "$base.log" grpc_run "$port" "$s" "$base.$ext"
      # Latency at a steady rate below saturation, as a launch system calls it: at full load the
      # queue in front of a saturated client sets the p99 (the bare server's as much as ours).
      if [[ $GRPC_CLIENT == ghz ]] && ((BENCH_GRPC_PACED_RPS > 0)); then
        log "round $k: ${name} paced at $BENCH_GRPC_PACED_RPS calls/s, ${s} s"
        base="$WORK/${name}_paced.r$k"
        measure "$pid" "$s" "$base" "$base.log" grpc_run "$port" "$s" "$base.$ext" "$BENCH_GRPC_PACED_RPS"
      fi
      return ;;
  esac
  local pid=$CATALOG_PID; [[ $1 != nginx ]] || pid=$NGINX_PID
  if ((w > 0)); then
    wrk_run "$url" "$paths" "$token" "$w" >"$WORK/wrk-warmup.log" 2>&1 ||
      { cat "$WORK/wrk-warmup.log" >&2; die "the wrk warm-up run failed"; }
  fi
  measure "$pid" "$s" "$base" "$base.wrk.txt" wrk_run "$url" "$paths" "$token" "$s"
}

# The machine is shared: say so when something else is already busy (the figures show it too,
# per run, as "other CPU").
m0=$(machine_busy_ticks); sleep 2; m1=$(machine_busy_ticks)
busy=$(awk -v d=$((m1 - m0)) -v hz="$BENCH_CLK_TCK" 'BEGIN { printf "%.2f", d / hz / 2 }')
if awk -v b="$busy" 'BEGIN { exit !(b > 0.3) }'; then
  warn "the machine is busy before the first run ($busy cores in use by others): expect noisy figures"
fi

for ((k = 1; k <= BENCH_ROUNDS; k++)); do
  for t in nginx http live grpc grpc-bare; do
    if has_target "$t"; then run_target "$t" "$k"; fi
  done
done

# --- 5. stop, report ------------------------------------------------------------------------
stop_pid "$NGINX_PID" nginx TERM; NGINX_PID=""
stop_pid "$BARE_PID" grpc-bare-server TERM; BARE_PID=""
stop_pid "$CATALOG_PID" catalog TERM; CATALOG_PID=""
if grep -qiE '"level":(50|60)|error' "$WORK/catalog.log"; then
  warn "the catalog logged errors during the run (BENCH_KEEP=1 keeps $WORK/catalog.log):"
  grep -iE '"level":(50|60)|error' "$WORK/catalog.log" | head -n 5 >&2
fi
mkdir -p "$(dirname "$BENCH_OUT")"
BENCH_NODE="$NODE" "$NODE" "$HERE/report.mjs" "$WORK" "$BENCH_OUT"
if [[ $BENCH_CPU_PROF == 1 ]]; then
  prof=$(find "$PROF_DIR" -name '*.cpuprofile' -printf '%T@ %p\n' | sort -rn | head -n 1 | cut -d' ' -f2-)
  if [[ -n $prof ]]; then
    : >"$PROF_DIR/summary.txt"
    for w in "$WORK"/catalog_*.r1.window; do
      [[ -e $w ]] || continue
      name=$(basename "$w" .r1.window)
      { read -r from; read -r to; } <"$w"
      "$NODE" "$HERE/prof-summary.mjs" "$prof" --from "$from" --to "$to" --top 30 \
        --label "$name (round 1, measured run only)" >>"$PROF_DIR/summary.txt"
      echo >>"$PROF_DIR/summary.txt"
    done
    cat "$PROF_DIR/summary.txt"
    log "CPU profile: $prof (Chrome DevTools > Performance can load it); summaries: $PROF_DIR/summary.txt"
  else
    warn "no CPU profile was written to $PROF_DIR"
  fi
fi
OK=1
