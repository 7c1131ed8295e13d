# shellcheck shell=bash
# PostgreSQL: a project-owned cluster (initdb) under $STACK_DIR/pg, run as the
# `postgres` system user when we are root (initdb and postgres refuse root).

pg_bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $d && -x $d/postgres ]] && echo "$d"
}

pg_ensure_installed() {
  pg_bin_dir >/dev/null || apt_install postgresql
  PG_BIN=$(pg_bin_dir) || die "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin"
}

# pg_as <cmd...>: run as the postgres user (if root) from a directory it can read.
pg_as() {
  if is_root; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

# Picks PG_ROOT. The postgres user must traverse every parent of the data dir;
# when the repo lives somewhere it cannot (e.g. /root), data moves to
# /var/tmp/ami-stack-<hash of STACK_DIR, i.e. of the repo path by default>.
# pg_resolve_paths prepare: also create the dirs/user and decide; without it,
# only find where an existing cluster lives (status, stop).
pg_resolve_paths() {
  local hash; hash=$(printf '%s' "$STACK_DIR" | sha256sum | cut -c1-12)
  PG_FALLBACK_ROOT="/var/tmp/ami-stack-$hash/pg"
  PG_ROOT="$STACK_DIR/pg"
  if [[ ${1:-} == prepare ]] && is_root; then
    id postgres >/dev/null 2>&1 ||
      useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    mkdir -p "$PG_ROOT"; chmod 755 "$STACK_DIR" "$PG_ROOT"
    if ! runuser -u postgres -- test -x "$PG_ROOT"; then
      PG_ROOT=$PG_FALLBACK_ROOT; mkdir -p "$PG_ROOT"
      log "postgres: the postgres user cannot traverse the parents of $STACK_DIR; keeping PostgreSQL data under $PG_ROOT instead"
    fi
  elif [[ ! -d $PG_ROOT/data && -d $PG_FALLBACK_ROOT/data ]]; then
    PG_ROOT=$PG_FALLBACK_ROOT
  fi
  PG_DATA="$PG_ROOT/data" PG_LOGDIR="$PG_ROOT/log" PG_SOCKDIR="$PG_ROOT/run"
  # Unix socket paths are limited to 107 bytes.
  if ((${#PG_SOCKDIR} + 20 > 107)); then PG_SOCKDIR="/tmp/ami-stack-$hash-pg"; fi
  PG_LOG="$PG_LOGDIR/postgres.log"
}

pg_postmaster_pid() { [[ -f $PG_DATA/postmaster.pid ]] && sed -n 1p "$PG_DATA/postmaster.pid"; }
pg_running_pid() {
  local pid; pid=$(pg_postmaster_pid) || return 1
  [[ -n $pid ]] && alive "$pid" && [[ $(cmdline_of "$pid") == *postgres* ]] && echo "$pid"
}
pg_running_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null; }
pg_healthy() { "$PG_BIN/pg_isready" -q -h "$DB_HOST" -p "$DB_PORT" -t 2; }

pg_init() {
  [[ -s $PG_DATA/PG_VERSION ]] && return 0
  log "postgres: initdb into $PG_DATA (superuser $DB_ADMIN_USER)"
  rm -rf "$PG_DATA"
  mkdir -p "$PG_DATA" "$PG_LOGDIR"
  local pw="$PG_ROOT/.initdb-pw"
  (umask 077; printf '%s\n' "$DB_ADMIN_PASSWORD" >"$pw")
  if is_root; then chown -R postgres: "$PG_ROOT"; fi
  chmod 700 "$PG_DATA"
  if ! pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U "$DB_ADMIN_USER" --pwfile="$pw" -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >"$STACK_LOGS/postgres-initdb.log" 2>&1; then
    rm -f "$pw"; tail_log "$STACK_LOGS/postgres-initdb.log"; rm -rf "$PG_DATA"; die "postgres: initdb failed"
  fi
  rm -f "$pw"
  echo "$DB_ADMIN_USER" >"$PG_ROOT/bootstrap-user"
}

pg_start() {
  pg_ensure_installed; pg_resolve_paths prepare
  local pid
  if pid=$(pg_running_pid); then
    if [[ $(pg_running_port) == "$DB_PORT" ]]; then
      echo "$pid" >"$(pid_file postgres)"
      pg_healthy || wait_for "$STACK_PG_TIMEOUT" "postgres on port $DB_PORT" pg_healthy ||
        die "postgres (pid $pid) runs but is not accepting connections; see $PG_LOG"
      log "postgres: already running (pid $pid, port $DB_PORT)"; pg_ensure_db; return
    fi
    log "postgres: running on port $(pg_running_port) but DB_PORT=$DB_PORT; restarting"; pg_stop
  fi
  check_port DB_PORT "$DB_PORT"
  pg_init
  mkdir -p "$PG_SOCKDIR" "$PG_LOGDIR"; ln -sfn "$PG_LOG" "$STACK_LOGS/postgres.log"
  if is_root; then chown postgres: "$PG_SOCKDIR" "$PG_LOGDIR"; fi
  log "postgres: starting on $DB_HOST:$DB_PORT"
  if ! pg_as "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$STACK_PG_TIMEOUT" -o \
    "-p $DB_PORT -c listen_addresses='$DB_HOST' -c unix_socket_directories='$PG_SOCKDIR' -c max_connections=$DB_MAX_CONNECTIONS" \
    >>"$STACK_LOGS/postgres-ctl.log" 2>&1 9>&-; then
    tail_log "$PG_LOG"; die "postgres: did not start within ${STACK_PG_TIMEOUT}s (log: $PG_LOG)"
  fi
  pg_running_pid >"$(pid_file postgres)" || die "postgres: started but no postmaster pid"
  wait_for "$STACK_PG_TIMEOUT" "postgres on $DB_HOST:$DB_PORT" pg_healthy || die "postgres: not ready"
  pg_ensure_db
}

# Admin role (password kept in sync with the env) and the database, idempotently.
pg_ensure_db() {
  local boot; boot=$(cat "$PG_ROOT/bootstrap-user" 2>/dev/null || echo "$DB_ADMIN_USER")
  pg_as "$PG_BIN/psql" -h "$PG_SOCKDIR" -p "$DB_PORT" -U "$boot" -d postgres -qAtX -v ON_ERROR_STOP=1 \
    -v admin="$DB_ADMIN_USER" -v pw="$DB_ADMIN_PASSWORD" -v db="$DB_NAME" >/dev/null <<'SQL' ||
SELECT format('CREATE ROLE %I LOGIN SUPERUSER', :'admin')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'admin') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN SUPERUSER PASSWORD %L', :'admin', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'admin')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
    die "postgres: could not create role $DB_ADMIN_USER / database $DB_NAME"
  PGPASSWORD="$DB_ADMIN_PASSWORD" "$PG_BIN/psql" -h "$DB_HOST" -p "$DB_PORT" -U "$DB_ADMIN_USER" \
    -d "$DB_NAME" -qAtX -c 'SELECT 1' >/dev/null ||
    die "postgres: password login as $DB_ADMIN_USER@$DB_HOST:$DB_PORT/$DB_NAME failed"
  log "postgres: ready (pid $(pg_postmaster_pid), $DB_ADMIN_USER@$DB_HOST:$DB_PORT/$DB_NAME)"
}

pg_stop() {
  pg_bin_dir >/dev/null || return 0
  PG_BIN=$(pg_bin_dir); pg_resolve_paths
  local pid
  if pid=$(pg_running_pid); then
    log "postgres: stopping (pid $pid)"
    pg_as "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t "$STACK_STOP_TIMEOUT" >/dev/null 2>&1 ||
      { warn "postgres: fast shutdown timed out; immediate"; pg_as "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate >/dev/null 2>&1 || true; }
  fi
  rm -f "$(pid_file postgres)"
}

pg_status() {
  local pid="" healthy=no
  if PG_BIN=$(pg_bin_dir); then
    pg_resolve_paths
    pid=$(pg_running_pid) || pid=""
    [[ -n $pid ]] && pg_healthy && healthy=yes
  fi
  status_line postgres "$pid" "$DB_PORT" "$healthy"
}

pg_reset() {
  local hash; hash=$(printf '%s' "$STACK_DIR" | sha256sum | cut -c1-12)
  rm -rf "$STACK_DIR/pg" "/var/tmp/ami-stack-$hash" "/tmp/ami-stack-$hash-pg"
}
