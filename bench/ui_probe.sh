#!/usr/bin/env bash
# Where the desktop app's time goes, inside the page of the release app:
# - on a project holding only two regressors tested on 1,000,000 rows, the API
#   calls the comparison makes (through the app's own IPC) and each frame from
#   the click on "Compare" until the residuals chart exists, three times;
# - on a project with 100,000 runs, `query_runs` sorted each way through the
#   same IPC, without the page's rendering; then sorts clicked in the page (time
#   to the DOM and to the frame); then the frames WebKitGTK takes to draw the
#   table's rows replaced, with the app's styles and with the ones it had before.
#   bench/ui_probe.sh       (uses the release datalab, datalab-desktop and many_runs; build them first with bench/ui.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_tauri_driver
work="$(mktemp -d)"
pids=()
# Wait for them, so that a run started next finds the display and ports free.
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
datalab="$CARGO_TARGET_DIR/release/datalab"
"$datalab" init "$work/lab" >/dev/null
source bench/big_residuals.sh
add_big_residuals "$datalab" "$work/lab" "$work"
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
WEBDRIVER_URL=http://127.0.0.1:4447 APP="$CARGO_TARGET_DIR/release/datalab-desktop" PROJECT="$work/many" node bench/ui_frame_probe.mjs
