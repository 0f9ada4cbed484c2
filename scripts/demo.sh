#!/usr/bin/env bash
# The main job: set up, build Data Lab, create the demo project with the
# sample datasets imported, and print the profile of one of them.
#
#   scripts/demo.sh [DIR]      (default DIR: ./datalab-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "demo: building datalab (release; the first build takes several minutes)" >&2
cargo build --release --locked -p datalab-cli
datalab="$CARGO_TARGET_DIR/release/datalab"

dir="${1:-datalab-demo}"
"$datalab" demo "$dir"
echo
"$datalab" --project "$dir" dataset profile penguins
echo
echo "The demo project is in $dir. Explore it with, for example:"
echo "  $datalab --project $dir dataset head penguins --sort body_mass_g --desc"
echo "  $datalab --project $dir dataset query 'SELECT species, avg(body_mass_g) FROM penguins GROUP BY species'"
