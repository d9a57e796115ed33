#!/usr/bin/env bash
# Installs RedisVL (pinned), the peer whose index migrator `slipway-bench quantize` compares against, into the
# project's virtualenv <repo>/.venv (the one scripts/install-redis-stack.sh creates; it is created through that
# script when missing):
#   1. pip install redisvl==$REDISVL_VERSION, unless that version is already installed;
#   2. checks that its CLI has `rvl migrate plan --schema-patch` and `rvl migrate apply --backup-dir`, the two
#      commands the benchmark runs (the migrator is experimental upstream; versions before it have no `migrate`).
# Idempotent: re-running it only re-checks. Prints the path of the `rvl` executable on its last line of standard
# output; everything else goes to standard error.
#
# Environment: REDISVL_VERSION (default below; another version may lack or change `rvl migrate`).
# Exit code: 0 installed and checked, 1 otherwise (the benchmark then reports RedisVL as unavailable).
set -euo pipefail

REDISVL_VERSION="${REDISVL_VERSION:-0.28.0}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
RVL="$VENV/bin/rvl"

log() { printf '[install-redisvl] %s\n' "$*" >&2; }
die() { printf '[install-redisvl] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ ! -x "$VENV/bin/python" ]]; then
  log "no virtualenv at $VENV; creating it with scripts/install-redis-stack.sh"
  bash "$REPO_ROOT/scripts/install-redis-stack.sh" >/dev/null || die "scripts/install-redis-stack.sh failed"
fi
[[ -x "$VENV/bin/python" ]] || die "virtualenv $VENV has no python; run scripts/install-redis-stack.sh"

installed_version() {
  "$VENV/bin/python" - <<'EOF' 2>/dev/null || true
import importlib.metadata as m
try:
    print(m.version("redisvl"))
except m.PackageNotFoundError:
    pass
EOF
}

current="$(installed_version)"
if [[ "$current" == "$REDISVL_VERSION" && -x "$RVL" ]]; then
  log "redisvl $REDISVL_VERSION is already installed in $VENV"
else
  log "installing redisvl==$REDISVL_VERSION into $VENV${current:+ (replacing $current)}"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "redisvl==$REDISVL_VERSION" >&2 ||
    die "pip install redisvl==$REDISVL_VERSION failed (see above)"
fi
[[ -x "$RVL" ]] || die "redisvl $REDISVL_VERSION installed no $RVL"

# `rvl migrate <cmd> --help` exits 0 and prints the usage; grep the flags the benchmark passes.
plan_help="$("$RVL" migrate plan --help 2>&1)" || die "'rvl migrate plan --help' failed: $plan_help"
apply_help="$("$RVL" migrate apply --help 2>&1)" || die "'rvl migrate apply --help' failed: $apply_help"
for flag in --index --schema-patch --plan-out --url; do
  grep -q -- "$flag" <<<"$plan_help" || die "redisvl $REDISVL_VERSION: 'rvl migrate plan' has no $flag"
done
for flag in --plan --backup-dir --workers --report-out --url; do
  grep -q -- "$flag" <<<"$apply_help" || die "redisvl $REDISVL_VERSION: 'rvl migrate apply' has no $flag"
done
log "rvl migrate plan/apply of redisvl $REDISVL_VERSION OK"
echo "$RVL"
