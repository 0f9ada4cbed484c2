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
source scripts/desktop_session.sh
pids=()
trap 'stop_started; rm -rf "$work"' EXIT
datalab="$CARGO_TARGET_DIR/release/datalab"
"$datalab" init "$work/lab" >/dev/null
source bench/big_residuals.sh
add_big_residuals "$datalab" "$work/lab" "$work"
use_scratch_home "$work"
start_xvfb_if_headless :96
start_tauri_driver 4447
export APP="$CARGO_TARGET_DIR/release/datalab-desktop"
PROJECT="$work/lab" node bench/ui_probe.mjs
"$CARGO_TARGET_DIR/release/examples/many_runs" "$work/many" 100000
PROJECT="$work/many" node bench/ui_sort_probe.mjs
PROJECT="$work/many" node bench/ui_frame_probe.mjs
