#!/usr/bin/env bash
# The desktop app's responsiveness, measured in the real window (release
# build, under Xvfb when there is no display) over WebDriver:
#   cold start to an interactive window, the runs table's first screen with
#   100,000 runs, sorting it and filtering it.
#   bench/ui.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_tauri_driver
build_ui
cargo build --release --locked -p datalab-desktop -p datalab-cli
cargo build --release --locked -p datalab-project --example many_runs
datalab="$CARGO_TARGET_DIR/release/datalab"
runs="${1:-100000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$CARGO_TARGET_DIR/release/examples/many_runs" "$work/lab" "$runs"

# Two regressors tested on 1,000,000 rows: their residual series have a million points each.
source bench/big_residuals.sh
add_big_residuals "$datalab" "$work/lab" "$work"

pids=()
# Wait for them, so that a run started next finds the display and ports free.
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
if [ -z "${DISPLAY:-}" ]; then
    Xvfb :97 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    pids+=($!)
    export DISPLAY=:97
    for _ in $(seq 50); do [ -S /tmp/.X11-unix/X97 ] && break; sleep 0.1; done
fi
tauri-driver --port 4446 >/dev/null 2>&1 &
pids+=($!)
WEBDRIVER_URL=http://127.0.0.1:4446 DATALAB_DESKTOP="$CARGO_TARGET_DIR/release/datalab-desktop" \
    PROJECT="$work/lab" RUNS="$runs" node bench/ui.mjs
