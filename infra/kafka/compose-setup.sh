#!/bin/sh
# docker-compose's bus set-up, as the super user: the topics (ami.audit.v1 kept
# KAFKA_AUDIT_RETENTION_MS, -1 = forever) and every principal's ACLs from bus.conf (kafka-acls),
# as scripts/lib/kafka.sh does for the local stack.
set -eu
conf=/opt/ami/kafka/bus.conf
bin=/opt/kafka/bin
bootstrap=${KAFKA_BOOTSTRAP:-kafka:9092}
admin=/tmp/admin.properties
umask 077
cat >"$admin" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="ami-admin" password="$KAFKA_ADMIN_PASSWORD";
PROPS
for topic in $(sed -n 's/^topics //p' "$conf"); do
  retention=${KAFKA_TOPIC_RETENTION_MS:-604800000}
  [ "$topic" = ami.audit.v1 ] && retention=${KAFKA_AUDIT_RETENTION_MS:--1}
  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --command-config "$admin" --create --if-not-exists \
    --topic "$topic" --partitions "${KAFKA_TOPIC_PARTITIONS:-6}" --replication-factor 1 --config "retention.ms=$retention"
done
grep '^acl ' "$conf" | while read -r _ principal ops type pattern names; do
  set -- --bootstrap-server "$bootstrap" --command-config "$admin" --add --force \
    --allow-principal "User:$principal" --resource-pattern-type "$pattern"
  for op in $(echo "$ops" | tr ',' ' '); do set -- "$@" --operation "$op"; done
  for n in $names; do set -- "$@" "--$type" "$n"; done
  "$bin/kafka-acls.sh" "$@" >/dev/null
done
echo "bus set-up done"
