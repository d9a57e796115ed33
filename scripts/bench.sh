#!/usr/bin/env bash
# Runs a Slipway benchmark with one command:
#   bash scripts/bench.sh zero-downtime [options]      # e.g. --docs 100000 --query-threads 2
#   bash scripts/bench.sh --help                        # the list of benchmarks
#   bash scripts/bench.sh zero-downtime --help          # a benchmark's options
#
#   1. scripts/install-redis-stack.sh (idempotent) for the redis-server binaries;
#   2. builds slipway-bench/target/slipway-bench.jar when it is missing or older than the sources it is built
#      from (mvn -q -B -ntp -DskipTests -pl slipway-bench -am package);
#   3. java -jar slipway-bench/target/slipway-bench.jar <arguments>.
# The benchmark's JSON result is the only thing on standard output; progress and build output go to standard
# error, so `bash scripts/bench.sh zero-downtime > result.json` keeps a clean file.
#
# Environment: BENCH_JAVA_OPTS (extra JVM options, e.g. -Xmx2g or -XX:+UseG1GC instead of the default serial
# collector), BENCH_REBUILD=1 (always rebuild the jar).
# Exit code: the benchmark's (0 met its targets, 1 failed or missed a target, 2 bad usage).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
JAR="slipway-bench/target/slipway-bench.jar"

log() { printf '[bench.sh] %s\n' "$*" >&2; }
die() { printf '[bench.sh] ERROR: %s\n' "$*" >&2; exit 1; }

command -v java >/dev/null 2>&1 || die "java not found (Java 17 is required: apt-get install openjdk-17-jdk-headless)"

log "setting up Redis Stack (scripts/install-redis-stack.sh)"
SLIPWAY_REDIS_STACK_HOME="$(bash scripts/install-redis-stack.sh | tail -n 1)"
[[ -x "$SLIPWAY_REDIS_STACK_HOME/bin/redis-server" ]] ||
  die "install-redis-stack.sh did not report a usable Redis Stack home (got '$SLIPWAY_REDIS_STACK_HOME')"
export SLIPWAY_REDIS_STACK_HOME

# quantize compares against RedisVL's migrator: install it (pinned, idempotent) unless --help, --rvl or SLIPWAY_RVL
# says otherwise. Not fatal: without it the benchmark reports RedisVL as unavailable.
if [[ "${1:-}" == quantize && -z "${SLIPWAY_RVL:-}" && " $* " != *" --help "* && " $* " != *" -h "* &&
      " $* " != *" --rvl"* ]]; then
  log "setting up RedisVL (scripts/install-redisvl.sh)"
  if SLIPWAY_RVL="$(bash scripts/install-redisvl.sh | tail -n 1)"; then
    export SLIPWAY_RVL
  else
    log "scripts/install-redisvl.sh failed; quantize will report RedisVL as unavailable"
    unset SLIPWAY_RVL
  fi
fi

jar_is_stale() {
  [[ "${BENCH_REBUILD:-0}" == 1 || ! -f "$JAR" ]] && return 0
  [[ -n "$(find pom.xml slipway-core/pom.xml slipway-bench/pom.xml slipway-core/src slipway-bench/src/main \
             -newer "$JAR" -type f -print -quit 2>/dev/null)" ]]
}

if jar_is_stale; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install maven)"
  log "building $JAR (mvn -q -B -ntp -DskipTests -pl slipway-bench -am package)"
  # Maven prints errors on standard output; keep standard output for the JSON.
  mvn -q -B -ntp -DskipTests -pl slipway-bench -am package 1>&2 || die "the build failed (see above)"
  [[ -f "$JAR" ]] || die "the build did not produce $JAR"
else
  log "$JAR is up to date"
fi

# The serial collector, as ./slipway runs the CLI, unless BENCH_JAVA_OPTS picks one (the JSON's machine.gc names it).
GC_OPTS="-XX:+UseSerialGC"
[[ "${BENCH_JAVA_OPTS:-}" =~ -XX:\+Use[A-Za-z0-9]*GC ]] && GC_OPTS=""
# shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of options
exec java $GC_OPTS ${BENCH_JAVA_OPTS:-} -Dslipway.redisStackHome="$SLIPWAY_REDIS_STACK_HOME" -jar "$JAR" "$@"
