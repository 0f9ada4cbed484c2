#!/usr/bin/env bash
# Where the desktop app's time goes, inside the page of the release app:
# - on a project holding only two regressors tested on 1,000,000 rows, the API
#   calls the comparison makes (through the app's own IPC) and each frame from
#   the click on "Compare" until the residuals chart exists, three times;
# - on a project with 100,000 runs, `query_runs` sorted each way through the
#   same IPC, without the page's rendering.
#   bench/ui_probe.sh       (uses the release datalab, datalab-desktop and many_runs; build them first with bench/ui.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_tauri_driver
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
datalab="$CARGO_TARGET_DIR/release/datalab"
"$datalab" init "$work/lab" >/dev/null
python3 - "$work/big.csv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write("x1,x2,x3,y\n")
    for _ in range(1_250_000):
        x1, x2, x3 = random.gauss(0, 1), random.gauss(0, 1), random.gauss(0, 1)
        f.write(f"{x1:.5f},{x2:.5f},{x3:.5f},{3 * x1 - 2 * x2 + 0.5 * x3 + random.gauss(0, 1):.5f}\n")
PY
"$datalab" --project "$work/lab" dataset import "$work/big.csv" --name big >/dev/null
cat >"$work/big.toml" <<'TOML'
name = "a million residuals"
[dataset]
name = "big"
[task]
kind = "regression"
target = "y"
[validation]
kind = "holdout"
test_fraction = 0.8
[[models]]
model = "linear_regression"
[[models]]
model = "elastic_net"
params = { penalty = 0.01 }
TOML
"$datalab" --project "$work/lab" run "$work/big.toml" >/dev/null 2>&1
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
if [ -z "${DISPLAY:-}" ]; then
    Xvfb :96 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    pids+=($!)
    export DISPLAY=:96
    for _ in $(seq 50); do [ -S /tmp/.X11-unix/X96 ] && break; sleep 0.1; done
fi
tauri-driver --port 4447 >/dev/null 2>&1 &
pids+=($!)
WEBDRIVER_URL=http://127.0.0.1:4447 APP="$CARGO_TARGET_DIR/release/datalab-desktop" PROJECT="$work/lab" node bench/ui_probe.mjs
"$CARGO_TARGET_DIR/release/examples/many_runs" "$work/many" 100000
WEBDRIVER_URL=http://127.0.0.1:4447 APP="$CARGO_TARGET_DIR/release/datalab-desktop" PROJECT="$work/many" node bench/ui_sort_probe.mjs
