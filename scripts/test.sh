#!/usr/bin/env bash
# The test command: Node 24, dependencies, the local broker and registry, then every test.
# A stack that was already running is reused and left running; one started here is stopped.
# PAYHOOK_DEV_BROKERS=3 runs the tests against a local three-node cluster instead of one broker
# (`dev up` reads it; a running stack of another size is refused rather than reused).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$(bash scripts/bootstrap.sh):$PATH"

[[ -d node_modules ]] || npm ci --no-audit --no-fund

cli=(node services/cli/src/main.ts)
if "${cli[@]}" dev status >/dev/null 2>&1; then
  started=no
else
  started=yes
  trap '"${cli[@]}" dev down >/dev/null 2>&1 || true' EXIT
fi
eval "$("${cli[@]}" dev up | sed 's/^/export /')"
echo "Kafka: ${KAFKA_BROKERS}" >&2

# TEST_FILES picks other test files (the fault suite: test/faults/*.faults.ts); extra
# arguments go to the test runner.
read -r -a files <<< "${TEST_FILES:-test/**/*.test.ts packages/*/test/**/*.test.ts services/*/test/**/*.test.ts}"
# --test-force-exit: a stray handle (a client retrying a stopped broker) never hangs the run.
node --test --test-force-exit --test-concurrency="${TEST_CONCURRENCY:-1}" --test-timeout="${TEST_TIMEOUT_MS:-300000}" "${files[@]}" "$@"
