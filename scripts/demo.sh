#!/usr/bin/env bash
# The main job: set up, build Data Lab (the desktop app and the CLI), create
# the demo project with the sample datasets imported, and open it in the
# desktop app. Without a display, serve the same UI over HTTP on 127.0.0.1
# and print the URL to open.
#
#   scripts/demo.sh [DIR]      (default DIR: ./datalab-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "demo: building the UI and Data Lab (release; the first build takes several minutes)" >&2
build_ui
cargo build --release --locked -p datalab-cli -p datalab-desktop
datalab="$CARGO_TARGET_DIR/release/datalab"

dir="${1:-datalab-demo}"
"$datalab" demo "$dir"
echo
echo "The demo project is in $dir. From a terminal, for example:"
echo "  $datalab --project $dir dataset profile penguins"
echo "  $datalab --project $dir run assets/specs/iris.toml"
echo
# `datalab ui` opens the desktop app, or serves the UI built into it when there is no display.
export DATALAB_DESKTOP="$CARGO_TARGET_DIR/release/datalab-desktop"
exec "$datalab" --project "$dir" ui
