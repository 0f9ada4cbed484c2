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

source scripts/desktop_session.sh
pids=()
trap 'stop_started; rm -rf "$work"' EXIT
use_scratch_home "$work"
start_xvfb_if_headless :97
start_tauri_driver 4446
DATALAB_DESKTOP="$CARGO_TARGET_DIR/release/datalab-desktop" PROJECT="$work/lab" RUNS="$runs" node bench/ui.mjs
