# shellcheck shell=bash
# The test stack: the infrastructure `npm test` starts for itself, apart from the dev stack
# (`npm run stack`). Its own PostgreSQL cluster, Kafka broker, moto and fidelity proxy, on
# ports of their own, with state under .stack/test. Sourced by scripts/test.sh BEFORE
# defaults.sh, so it wins over anything the dev stack's variables say: a shell that exported
# DB_PORT or KAFKA_BROKERS for the dev stack still gets isolated tests.
#
# Override with TEST_* variables (e.g. TEST_DB_PORT=56433 to run a second checkout's tests
# beside this one). `npm run test:stack -- status|down|reset|logs` manages it.

_test_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${TEST_STACK_DIR:=$_test_root/.stack/test}"
: "${TEST_DB_PORT:=56432}"
: "${TEST_KAFKA_PORT:=29092}" "${TEST_KAFKA_CONTROLLER_PORT:=29093}"
: "${TEST_MOTO_PORT:=5010}" "${TEST_FIDELITY_PORT:=4576}"
: "${TEST_SERVICE_PORT_BASE:=3101}"
# Kafka's jars and moto's virtualenv are read-only once made: share the dev stack's copies.
: "${TEST_SHARED_DIR:=$_test_root/.stack}"

export STACK_DIR="$TEST_STACK_DIR"
export DB_PORT="$TEST_DB_PORT" KAFKA_PORT="$TEST_KAFKA_PORT" KAFKA_CONTROLLER_PORT="$TEST_KAFKA_CONTROLLER_PORT"
export MOTO_PORT="$TEST_MOTO_PORT" FIDELITY_PORT="$TEST_FIDELITY_PORT"
export KAFKA_LIBS_DIR="$TEST_SHARED_DIR/kafka/libs" MOTO_VENV="$TEST_SHARED_DIR/moto/venv"
# Derived values are recomputed by defaults.sh from the ports above.
unset KAFKA_BROKERS MOTO_URL FIDELITY_URL AWS_ENDPOINT_URL DB_HOST DB_NAME KAFKA_HOST MOTO_HOST FIDELITY_HOST
export DB_HOST=127.0.0.1 KAFKA_HOST=127.0.0.1 MOTO_HOST=127.0.0.1 FIDELITY_HOST=127.0.0.1
# Services a test might start through the stack script get ports of their own too.
export CATALOG_HTTP_PORT=$TEST_SERVICE_PORT_BASE BUILDER_HTTP_PORT=$((TEST_SERVICE_PORT_BASE + 1))
export REPLICATOR_HTTP_PORT=$((TEST_SERVICE_PORT_BASE + 2)) PERMISSIONS_HTTP_PORT=$((TEST_SERVICE_PORT_BASE + 3))
export MAINTENANCE_SCANNER_HTTP_PORT=$((TEST_SERVICE_PORT_BASE + 4))
export CATALOG_GRPC_PORT=$((TEST_SERVICE_PORT_BASE + 10)) BUILDER_GRPC_PORT=$((TEST_SERVICE_PORT_BASE + 11))
export AMI_TEST_STACK=1
unset _test_root
