#!/usr/bin/env bash
# The test stack's own stack.sh: the same commands (infra, status, down, reset, logs,
# restart, env) on the test infrastructure `npm test` uses (scripts/lib/test-stack.sh),
# never on the dev stack.   npm run test:stack -- status
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/test-stack.sh
source "$here/lib/test-stack.sh"
case ${1:-status} in
  up) echo "the test stack has no services of its own; use: infra" >&2; exit 2 ;;
esac
exec bash "$here/stack.sh" "${@:-status}"
