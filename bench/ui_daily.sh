#!/usr/bin/env bash
# The desktop app as it is used all day (release build, under Xvfb when there
# is no display): horizontal scroll of a 200-column table (frame times),
# cancel latency from the window, and the web view's memory over a scripted
# session of every page. Figures go in BENCHMARKS.md.
#   bench/ui_daily.sh [SOAK_MINUTES]      (60 by default)
#   bench/ui_daily.sh --memory            (bench/ui_memory.mjs: the growth per kind of visit)
#   bench/ui_daily.sh --memory-ipc        (bench/ui_memory_ipc.mjs: the growth per API call, no page changes)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_tauri_driver
build_ui
profile="${DATALAB_BENCH_PROFILE:-release}"  # debug: for the memory probes, which measure the web view
if [ "$profile" = release ]; then
    cargo build --release --locked -p datalab-desktop -p datalab-cli
else
    cargo build --locked -p datalab-desktop -p datalab-cli
fi
datalab="$CARGO_TARGET_DIR/$profile/datalab"
work="$(mktemp -d)"
source scripts/desktop_session.sh
pids=()
trap 'stop_started; rm -rf "$work"' EXIT

"$datalab" init "$work/lab" >/dev/null
DATALAB_PROJECT="$work/lab" "$datalab" dataset import assets/datasets/penguins.csv >/dev/null
# 2,000 rows of 200 columns: numbers, with a text column every tenth.
python3 - "$work/wide.csv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as out:
    out.write(",".join(f"c{j:03d}" for j in range(200)) + "\n")
    for i in range(2000):
        out.write(",".join(random.choice(["alpha", "beta", "gamma"]) if j % 10 == 0 else f"{random.gauss(0, 100):.3f}" for j in range(200)) + "\n")
PY
DATALAB_PROJECT="$work/lab" "$datalab" dataset import "$work/wide.csv" --name wide >/dev/null
# Finished runs to compare on the Runs page.
cat >"$work/trees.toml" <<'TOML'
name = "trees"
[dataset]
name = "penguins"
[task]
kind = "classification"
target = "species"
[validation]
kind = "k_fold"
folds = 5
[[models]]
model = "decision_tree"
params = { max_depth = [2, 3, 4, 6, 8] }
TOML
DATALAB_PROJECT="$work/lab" "$datalab" run "$work/trees.toml" >/dev/null 2>&1

use_scratch_home "$work"
start_xvfb_if_headless :95
start_tauri_driver 4448
export DATALAB_DESKTOP="$CARGO_TARGET_DIR/$profile/datalab-desktop" PROJECT="$work/lab"
if [ "${1:-}" = "--memory" ]; then
    node bench/ui_memory.mjs
elif [ "${1:-}" = "--memory-ipc" ]; then
    node bench/ui_memory_ipc.mjs
else
    SOAK_MINUTES="${1:-60}" node bench/ui_daily.mjs
fi
