#!/usr/bin/env bash
# The main job of Slipway, end to end, against a throwaway local Redis Stack:
#   load 2,000 sample product documents into a plain index, plan a change from demo/patch.yaml,
#   show the plan, apply it (zero-downtime: the index is adopted behind an alias), validate it
#   with demo/queries.yaml, print the report and the version status, then stop the server.
# Usage: bash scripts/demo.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "Installing Redis Stack (scripts/install-redis-stack.sh)"
SLIPWAY_REDIS_STACK_HOME="$(bash scripts/install-redis-stack.sh | tail -n 1)"
export SLIPWAY_REDIS_STACK_HOME
# shellcheck source=scripts/redis-stack-env.sh
source scripts/redis-stack-env.sh

say "Building the CLI (if needed)"
[[ -f slipway-cli/target/slipway.jar ]] || mvn -q -B -ntp -DskipTests -pl slipway-cli -am package

PORT="$(slipway_free_port)"
WORK="$(mktemp -d /tmp/slipway-demo.XXXXXX)"
cleanup() { slipway_stop_redis "$PORT" >/dev/null 2>&1 || true; }
trap cleanup EXIT

say "Starting a throwaway Redis Stack on 127.0.0.1:$PORT"
slipway_start_redis "$PORT"
export REDIS_URL="redis://127.0.0.1:$PORT"
CLI="$SLIPWAY_REDIS_STACK_HOME/bin/redis-cli -p $PORT"

say "Loading 2,000 products and creating the plain index 'products'"
python3 - <<'PY' | $CLI --pipe
import random, sys
random.seed(7)
categories = ["laptop", "phone", "tablet", "monitor", "keyboard"]
def resp(*args):
    out = [f"*{len(args)}\r\n"]
    for a in args:
        b = str(a).encode()
        out.append(f"${len(b)}\r\n{b.decode()}\r\n")
    return "".join(out)
for i in range(2000):
    c = categories[i % len(categories)]
    sys.stdout.write(resp("HSET", f"product:{i}", "name", f"{c} model {i}", "description",
                          f"a dependable {c} for everyday work", "category", c,
                          "price", round(random.uniform(50, 2500), 2), "rating", round(random.uniform(1, 5), 1)))
PY
$CLI FT.CREATE products ON HASH PREFIX 1 product: SCHEMA name TEXT description TEXT category TAG rating NUMERIC >/dev/null
until [[ "$($CLI FT.INFO products | awk 'f{print;exit} /^percent_indexed$/{f=1}')" == "1" ]]; do sleep 0.1; done

say "slipway index list / index info products"
./slipway index list
./slipway index info products

say "slipway plan --index products --patch demo/patch.yaml"
./slipway plan --index products --patch demo/patch.yaml --out "$WORK/plan.yaml"

say "slipway apply --plan plan.yaml --yes (zero-downtime: build products:v1/v2 beside the live index, switch atomically)"
./slipway apply --plan "$WORK/plan.yaml" --yes --queries demo/queries.yaml --report-out "$WORK/report.yaml"

say "slipway validate --plan plan.yaml --queries demo/queries.yaml"
./slipway validate --plan "$WORK/plan.yaml" --queries demo/queries.yaml

say "The report ($WORK/report.yaml)"
cat "$WORK/report.yaml"

say "slipway status --index products"
./slipway status --index products

say "A query through the name, sorted by the new sortable field"
$CLI FT.SEARCH products "@category:{laptop}" SORTBY price ASC LIMIT 0 3 RETURN 2 name price

say "Done. Plan and report are in $WORK; the throwaway server is stopped on exit."
