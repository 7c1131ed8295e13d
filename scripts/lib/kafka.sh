# shellcheck shell=bash
# Kafka 4.1 in KRaft combined mode, run from Maven Central jars (infra/kafka/pom.xml).

KAFKA_DIR="$STACK_DIR/kafka"
# The jars can be shared between stacks (the test stack reads the dev stack's copy).
KAFKA_LIBS="${KAFKA_LIBS_DIR:-$KAFKA_DIR/libs}"
KAFKA_DATA_DIR="$KAFKA_DIR/data"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_POM="$REPO_ROOT/infra/kafka/pom.xml"
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

kafka_java() { java -Dlog4j2.configurationFile="$KAFKA_LOG4J" -cp "$KAFKA_LIBS/*" "$@"; }

# Prints server.properties.tmpl with {{NAME}} -> $NAME (rendered on every start,
# so ports from the environment apply).
kafka_render_config() {
  local tmpl="$REPO_ROOT/infra/kafka/server.properties.tmpl" out name
  out=$(<"$tmpl")
  for name in $(grep -o '{{[A-Z_]*}}' "$tmpl" | sort -u | tr -d '{}'); do
    [[ -n ${!name:-} ]] || die "kafka: $name is empty (needed by $tmpl)"
    out=${out//"{{$name}}"/"${!name}"}
  done
  printf '%s\n' "$out"
}

kafka_format() {
  [[ -f $KAFKA_DATA_DIR/meta.properties ]] && return 0
  local id
  id=$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$STACK_LOGS/kafka-format.log" | tail -n 1)
  [[ -n $id ]] || die "kafka: StorageTool random-uuid printed nothing (see $STACK_LOGS/kafka-format.log)"
  log "kafka: formatting $KAFKA_DATA_DIR (cluster id $id)"
  mkdir -p "$KAFKA_DATA_DIR"
  kafka_java kafka.tools.StorageTool format -t "$id" -c "$KAFKA_PROPS" >>"$STACK_LOGS/kafka-format.log" 2>&1 ||
    { tail_log "$STACK_LOGS/kafka-format.log"; die "kafka: storage format failed"; }
}

# Metadata probe: list topics with kafkajs (the apps' own client).
kafka_probe() {
  KAFKAJS_NO_PARTITIONER_WARNING=1 "$NODE_BIN" -e '
    const { Kafka, logLevel } = require("kafkajs");
    const admin = new Kafka({ clientId: "stack-probe", brokers: process.env.KAFKA_BROKERS.split(","),
      logLevel: logLevel.NOTHING, connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 } }).admin();
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
      kafka_wait "$pid"; log "kafka: already running (pid $pid, $KAFKA_BROKERS)"; return
    fi
    log "kafka: running with other settings (ports changed?); restarting"; kafka_stop
  fi
  kafka_check_ports
  kafka_ensure_java; mkdir -p "$KAFKA_DIR"; kafka_ensure_libs
  kafka_render_config >"$KAFKA_PROPS"; kafka_format
  log "kafka: starting on $KAFKA_BROKERS (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT)"
  start_bg kafka java "-Xmx$KAFKA_HEAP" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_LOG4J" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS"
  kafka_wait "$(<"$(pid_file kafka)")"
  log "kafka: ready ($KAFKA_BROKERS)"
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

kafka_reset() { rm -rf "$KAFKA_DATA_DIR" "$KAFKA_PROPS" "$KAFKA_LIBS".tmp.*; }
