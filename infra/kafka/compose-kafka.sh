#!/bin/sh
# docker-compose's Kafka (apache/kafka image): the same server.properties.tmpl as the local
# stack, formatted once with every principal's SCRAM-SHA-512 user (kafka-storage format
# --add-scram, users from bus.conf, passwords from KAFKA_<NAME>_PASSWORD), then started.
set -eu
conf=/opt/ami/kafka/bus.conf
props=/tmp/server.properties
: "${KAFKA_HOST:=kafka}" "${KAFKA_PORT:=9092}" "${KAFKA_CONTROLLER_PORT:=9093}"
: "${KAFKA_LISTEN_HOST:=0.0.0.0}" "${KAFKA_ADVERTISED_HOST:=kafka}" "${KAFKA_SECURITY_PROTOCOL:=SASL_PLAINTEXT}"
KAFKA_DATA_DIR=/tmp/kafka-data
KAFKA_SSL_PROPERTIES="# TLS: set KAFKA_SECURITY_PROTOCOL=SASL_SSL and the listener.name.client.ssl.* settings"
umask 077
# Substitute every {{NAME}} with $NAME (values hold no '|').
cp /opt/ami/kafka/server.properties.tmpl "$props"
for name in $(grep -o '{{[A-Z_]*}}' "$props" | sort -u | tr -d '{}'); do
  eval "value=\${$name:?$name is required}"
  sed -i "s|{{$name}}|$value|g" "$props"
done
password_var() { echo "KAFKA_$(echo "${1#ami-}" | tr 'a-z-' 'A-Z_')_PASSWORD"; }
if [ ! -f "$KAFKA_DATA_DIR/meta.properties" ]; then
  set --
  for user in $(sed -n 's/^users //p' "$conf"); do
    eval "pw=\${$(password_var "$user"):?$(password_var "$user") is required}"
    set -- "$@" --add-scram "SCRAM-SHA-512=[name=$user,password=$pw]"
  done
  /opt/kafka/bin/kafka-storage.sh format -t "$(/opt/kafka/bin/kafka-storage.sh random-uuid)" -c "$props" "$@" >/dev/null
fi
exec /opt/kafka/bin/kafka-server-start.sh "$props"
