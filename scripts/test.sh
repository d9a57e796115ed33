#!/usr/bin/env bash
# Full build + tests against a real Redis Stack, as CI runs it (.ci/run):
#   1. scripts/install-redis-stack.sh (venv + binaries + libssl1.1 if needed; idempotent)
#   2. scripts/install-redisvl.sh (RedisVL, the quantize benchmark's peer, into the same venv; idempotent), and
#      SLIPWAY_REQUIRE_RVL=1 so that the benchmark's integration test fails instead of skipping RedisVL's runs
#      (SLIPWAY_SKIP_RVL=1 skips this step where PyPI cannot be reached; the test then checks the reason given)
#   3. mvn -B -ntp verify, with the Redis Stack home passed as -Dslipway.redisStackHome and
#      exported as SLIPWAY_REDIS_STACK_HOME.
# Extra arguments go to Maven, e.g. `bash scripts/test.sh -pl slipway-core`.
# Exits non-zero on any failure.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

die() { printf '[test.sh] ERROR: %s\n' "$*" >&2; exit 1; }

command -v java >/dev/null 2>&1 || die "java not found (Java 17 is required: apt-get install openjdk-17-jdk-headless)"
command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install maven)"

echo "==> Setting up Redis Stack (scripts/install-redis-stack.sh)"
SLIPWAY_REDIS_STACK_HOME="$(bash scripts/install-redis-stack.sh | tail -n 1)"
[[ -x "$SLIPWAY_REDIS_STACK_HOME/bin/redis-server" ]] ||
  die "install-redis-stack.sh did not report a usable Redis Stack home (got '$SLIPWAY_REDIS_STACK_HOME')"
export SLIPWAY_REDIS_STACK_HOME
echo "==> SLIPWAY_REDIS_STACK_HOME=$SLIPWAY_REDIS_STACK_HOME"

if [[ "${SLIPWAY_SKIP_RVL:-0}" == "1" ]]; then
  echo "==> SLIPWAY_SKIP_RVL=1: RedisVL not installed; the quantize benchmark test checks it is reported unavailable"
else
  echo "==> Setting up RedisVL (scripts/install-redisvl.sh)"
  bash scripts/install-redisvl.sh >/dev/null ||
    die "install-redisvl.sh failed (see above); set SLIPWAY_SKIP_RVL=1 to test without the benchmark's peer"
  export SLIPWAY_REQUIRE_RVL=1
fi

echo "==> mvn -B -ntp verify"
mvn -B -ntp verify -Dslipway.redisStackHome="$SLIPWAY_REDIS_STACK_HOME" "$@"
echo "==> OK"
