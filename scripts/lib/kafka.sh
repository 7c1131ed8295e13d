# shellcheck shell=bash
# Kafka 4.1 in KRaft combined mode, run from Maven Central jars (infra/kafka/pom.xml).

KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_POM="$REPO_ROOT/infra/kafka/pom.xml"
# The jars can be shared between stacks (the test stack reads the dev stack's copy). One
# directory per pom content: a checkout with another pom never replaces the jars a running
# broker of another stack uses.
KAFKA_LIBS="${KAFKA_LIBS_DIR:-$KAFKA_DIR/libs}-$(sha256sum "$KAFKA_POM" | cut -c1-12)"
KAFKA_DATA_DIR="$KAFKA_DIR/data"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
# The super user's client settings for Kafka's own tools (kafka-acls); holds a password.
KAFKA_ADMIN_PROPS="$KAFKA_DIR/admin.properties"
KAFKA_BUS_CONF="$REPO_ROOT/infra/kafka/bus.conf"
KAFKA_LOG4J="$REPO_ROOT/infra/kafka/log4j2.yaml"
KAFKA_MATCH="kafka.Kafka"

kafka_ensure_java() {
  local v
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1) || true
  if [[ -z $v || $v -lt 17 ]]; then apt_install openjdk-17-jre-headless; fi
}

# Copies the runtime jars once; the stamp ties them to the pom's content.
kafka_ensure_libs() {
  local want; want=$(sha256sum "$KAFKA_POM" | cut -c1-64)
  [[ -f $KAFKA_LIBS/.stamp && $(<"$KAFKA_LIBS/.stamp") == "$want" ]] && return 0
  # Another stack sharing these jars may be copying them right now: one copier at a time.
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  exec 8>"$KAFKA_LIBS.lock"; flock -w "$STACK_LOCK_TIMEOUT" 8 || die "kafka: timed out waiting for $KAFKA_LIBS.lock"
  if [[ -f $KAFKA_LIBS/.stamp && $(<"$KAFKA_LIBS/.stamp") == "$want" ]]; then exec 8>&-; return 0; fi
  have mvn || apt_install maven
  log "kafka: copying jars from Maven Central (mvn dependency:copy-dependencies)"
  local tmp="$KAFKA_LIBS.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp" "$STACK_LOGS"
  mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies -DoutputDirectory="$tmp" \
    -DincludeScope=runtime >"$STACK_LOGS/kafka-mvn.log" 2>&1 9>&- ||
    { tail_log "$STACK_LOGS/kafka-mvn.log"; die "kafka: mvn dependency:copy-dependencies failed"; }
  # An SLF4J 1.7 API next to 2.x makes logging bind to nothing.
  rm -f "$tmp"/slf4j-api-1.7.*
  echo "$want" >"$tmp/.stamp"
  rm -rf "$KAFKA_LIBS"; mv "$tmp" "$KAFKA_LIBS"
  exec 8>&-
}

kafka_java() {
  local jvm=()
  while [[ ${1:-} == -X* ]]; do jvm+=("$1"); shift; done
  java "${jvm[@]}" -Dlog4j2.configurationFile="$KAFKA_LOG4J" -cp "$KAFKA_LIBS/*" "$@"
}

# Prints server.properties.tmpl with {{NAME}} -> $NAME (rendered on every start,
# so ports from the environment apply).
kafka_render_config() {
  local tmpl="$REPO_ROOT/infra/kafka/server.properties.tmpl" out name
  local KAFKA_LISTEN_HOST=${KAFKA_LISTEN_HOST:-$KAFKA_HOST} KAFKA_ADVERTISED_HOST=${KAFKA_ADVERTISED_HOST:-$KAFKA_HOST}
  local KAFKA_SSL_PROPERTIES="# TLS off (KAFKA_SECURITY_PROTOCOL=$KAFKA_SECURITY_PROTOCOL)"
  if [[ $KAFKA_SECURITY_PROTOCOL == SASL_SSL ]]; then
    [[ -n ${KAFKA_SSL_KEYSTORE_FILE:-} && -n ${KAFKA_SSL_KEYSTORE_PASSWORD:-} ]] ||
      die "kafka: KAFKA_SECURITY_PROTOCOL=SASL_SSL needs KAFKA_SSL_KEYSTORE_FILE and KAFKA_SSL_KEYSTORE_PASSWORD (PKCS12)"
    KAFKA_SSL_PROPERTIES="listener.name.client.ssl.keystore.type=PKCS12
listener.name.client.ssl.keystore.location=$KAFKA_SSL_KEYSTORE_FILE
listener.name.client.ssl.keystore.password=$KAFKA_SSL_KEYSTORE_PASSWORD
listener.name.client.ssl.truststore.type=PKCS12
listener.name.client.ssl.truststore.location=${KAFKA_SSL_TRUSTSTORE_FILE:-$KAFKA_SSL_KEYSTORE_FILE}
listener.name.client.ssl.truststore.password=${KAFKA_SSL_TRUSTSTORE_PASSWORD:-$KAFKA_SSL_KEYSTORE_PASSWORD}"
  fi
  out=$(<"$tmpl")
  for name in $(grep -o '{{[A-Z_]*}}' "$tmpl" | sort -u | tr -d '{}'); do
    [[ -n ${!name:-} ]] || die "kafka: $name is empty (needed by $tmpl)"
    out=${out//"{{$name}}"/"${!name}"}
  done
  printf '%s\n' "$out"
}

# The users line of infra/kafka/bus.conf (generated from the ACL table).
kafka_users() { sed -n 's/^users //p' "$KAFKA_BUS_CONF"; }
kafka_password_var() { local n=${1#ami-}; n=${n//-/_}; echo "KAFKA_${n^^}_PASSWORD"; }

# What the SCRAM users were made from (names and passwords), hashed: a changed password or a
# new principal shows up as a different stamp.
kafka_users_stamp() {
  local u v
  for u in $(kafka_users); do
    v=$(kafka_password_var "$u"); [[ -n ${!v:-} ]] || die "kafka: $v is empty"
    printf '%s=%s\n' "$u" "${!v}"
  done | sha256sum | cut -c1-64
}

# Formats the data directory with every principal's SCRAM-SHA-512 credentials
# (kafka-storage format --add-scram). A directory formatted by an older stack without them, or
# with other users or passwords, is REFORMATTED: users are created only at format, and the
# local broker's data (events already consumed into PostgreSQL) is disposable.
kafka_format() {
  local stamp; stamp=$(kafka_users_stamp)
  if [[ -f $KAFKA_DATA_DIR/meta.properties ]]; then
    [[ -f $KAFKA_DATA_DIR/.scram-users && $(<"$KAFKA_DATA_DIR/.scram-users") == "$stamp" ]] && return 0
    warn "kafka: $KAFKA_DATA_DIR was formatted without these SCRAM users (older stack, or passwords changed); reformatting: topics and offsets start empty"
    rm -rf "$KAFKA_DATA_DIR"
  fi
  local id u v scram=()
  for u in $(kafka_users); do
    v=$(kafka_password_var "$u")
    scram+=(--add-scram "SCRAM-SHA-512=[name=$u,password=${!v}]")
  done
  id=$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$STACK_LOGS/kafka-format.log" | tail -n 1)
  [[ -n $id ]] || die "kafka: StorageTool random-uuid printed nothing (see $STACK_LOGS/kafka-format.log)"
  log "kafka: formatting $KAFKA_DATA_DIR (cluster id $id)"
  mkdir -p "$KAFKA_DATA_DIR"
  kafka_java kafka.tools.StorageTool format -t "$id" -c "$KAFKA_PROPS" "${scram[@]}" >>"$STACK_LOGS/kafka-format.log" 2>&1 ||
    { tail_log "$STACK_LOGS/kafka-format.log"; die "kafka: storage format failed"; }
  echo "$stamp" >"$KAFKA_DATA_DIR/.scram-users"
}

kafka_write_admin_props() {
  (
    umask 077
    printf '%s\n' "security.protocol=$KAFKA_SECURITY_PROTOCOL" "sasl.mechanism=SCRAM-SHA-512" \
      "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"ami-admin\" password=\"$KAFKA_ADMIN_PASSWORD\";" >"$KAFKA_ADMIN_PROPS"
    if [[ -n ${KAFKA_SSL_TRUSTSTORE_FILE:-} ]]; then
      printf '%s\n' "ssl.truststore.location=$KAFKA_SSL_TRUSTSTORE_FILE" "ssl.truststore.password=${KAFKA_SSL_TRUSTSTORE_PASSWORD:-}" >>"$KAFKA_ADMIN_PROPS"
    fi
  )
}

# The bus set-up, as the super user: every topic (ami.audit.v1 with KAFKA_AUDIT_RETENTION_MS,
# -1 = forever), then each principal's ACLs with kafka-acls, once per content of bus.conf.
kafka_bus_setup() {
  (cd "$REPO_ROOT" && KAFKA_BUS_TOPICS="$(sed -n 's/^topics //p' "$KAFKA_BUS_CONF")" "$NODE_BIN" scripts/lib/kafka-topics.mjs 2>>"$STACK_LOGS/kafka-setup.log") ||
    { tail_log "$STACK_LOGS/kafka-setup.log"; die "kafka: creating the bus's topics failed"; }
  local want; want=$(sha256sum "$KAFKA_BUS_CONF" | cut -c1-64)
  [[ -f $KAFKA_DATA_DIR/.acls && $(<"$KAFKA_DATA_DIR/.acls") == "$want" ]] && return 0
  log "kafka: granting ACLs (infra/kafka/bus.conf, kafka-acls)"
  kafka_write_admin_props
  local kind principal ops type pattern names pids=() failed=0 pid
  while read -r kind principal ops type pattern names; do
    [[ $kind == acl ]] || continue
    local args=(--bootstrap-server "$KAFKA_BROKERS" --command-config "$KAFKA_ADMIN_PROPS" --add --force
      --allow-principal "User:$principal" --resource-pattern-type "$pattern") op n
    for op in ${ops//,/ }; do args+=(--operation "$op"); done
    for n in $names; do args+=("--$type" "$n"); done
    kafka_java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC org.apache.kafka.tools.AclCommand "${args[@]}" >>"$STACK_LOGS/kafka-setup.log" 2>&1 &
    pids+=($!)
    # A few JVMs at a time: the machine is small.
    if ((${#pids[@]} >= 3)); then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
  done <"$KAFKA_BUS_CONF"
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || { tail_log "$STACK_LOGS/kafka-setup.log"; die "kafka: kafka-acls failed"; }
  echo "$want" >"$KAFKA_DATA_DIR/.acls"
}

# Metadata probe: list topics with kafkajs (the apps' own client).
kafka_probe() {
  KAFKAJS_NO_PARTITIONER_WARNING=1 "$NODE_BIN" -e '
    const { Kafka, logLevel } = require("kafkajs");
    const admin = new Kafka({ clientId: "stack-probe", brokers: process.env.KAFKA_BROKERS.split(","),
      sasl: { mechanism: "scram-sha-512", username: "ami-admin", password: process.env.KAFKA_ADMIN_PASSWORD },
      ssl: process.env.KAFKA_SECURITY_PROTOCOL === "SASL_SSL", logLevel: logLevel.NOTHING, connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 } }).admin();
    admin.connect().then(() => admin.listTopics()).then(() => admin.disconnect())
      .then(() => process.exit(0), () => process.exit(1));
    setTimeout(() => process.exit(1), 5000).unref();'
}

# stderr dropped: kafkajs 2.2 trips Node 24's TimeoutNegativeWarning on every run.
kafka_ready() { tcp_open "$KAFKA_HOST" "$KAFKA_PORT" && (cd "$REPO_ROOT" && kafka_probe 2>/dev/null); }

kafka_check_ports() {
  local pid; pid=$(our_pid kafka "$KAFKA_MATCH") || pid=""
  check_port KAFKA_PORT "$KAFKA_PORT" "$pid"
  check_port KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT" "$pid"
}

kafka_start() {
  local pid
  if pid=$(our_pid kafka "$KAFKA_MATCH"); then
    if [[ $(kafka_render_config) == "$(cat "$KAFKA_PROPS" 2>/dev/null)" ]]; then
      kafka_wait "$pid"; kafka_bus_setup; log "kafka: already running (pid $pid, $KAFKA_BROKERS)"; return
    fi
    log "kafka: running with other settings (ports changed?); restarting"; kafka_stop
  fi
  kafka_check_ports
  kafka_ensure_java; mkdir -p "$KAFKA_DIR"; kafka_ensure_libs
  (umask 077; kafka_render_config >"$KAFKA_PROPS"); kafka_format
  log "kafka: starting on $KAFKA_BROKERS (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT)"
  start_bg kafka java "-Xmx$KAFKA_HEAP" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_LOG4J" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS"
  kafka_wait "$(<"$(pid_file kafka)")"
  kafka_bus_setup
  log "kafka: ready ($KAFKA_BROKERS, SASL/SCRAM-SHA-512, ACLs on)"
}

kafka_wait() {
  local pid=$1 deadline=$((SECONDS + STACK_KAFKA_TIMEOUT))
  [[ -x $NODE_BIN ]] || die "kafka: $NODE_BIN missing (npm ci) - needed for the readiness probe"
  until kafka_ready; do
    alive "$pid" || { tail_log "$STACK_LOGS/kafka.log"; die "kafka: process exited during startup"; }
    ((SECONDS < deadline)) || { tail_log "$STACK_LOGS/kafka.log"; die "kafka: not ready after ${STACK_KAFKA_TIMEOUT}s (broker $KAFKA_BROKERS)"; }
    sleep 1
  done
}

kafka_stop() { stop_component kafka "$KAFKA_MATCH"; }

kafka_status() {
  local pid healthy=no
  pid=$(our_pid kafka "$KAFKA_MATCH") || pid=""
  [[ -n $pid ]] && (cd "$REPO_ROOT" && kafka_ready) 2>/dev/null && healthy=yes
  status_line kafka "$pid" "$KAFKA_PORT,$KAFKA_CONTROLLER_PORT" "$healthy"
}

kafka_reset() { rm -rf "$KAFKA_DATA_DIR" "$KAFKA_PROPS" "$KAFKA_ADMIN_PROPS" "$KAFKA_LIBS".tmp.*; }
