#!/usr/bin/env bash
# Import + profile benchmark: Data Lab's CLI (release build) against pandas and
# polars for Python, in one run.
#
#   bench/run.sh [import_profile.py args...]   e.g. bench/run.sh --rows 200000 --repeat 5
#
# Builds datalab in release (scripts/setup.sh decides the target dir) and keeps
# the Python tools in a venv at $BENCH_VENV (default ~/.cache/datalab/bench-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

venv="${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/datalab/bench-venv}"
if [ ! -x "$venv/bin/python" ]; then
    echo "bench: creating a venv at $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet -r bench/requirements.txt
fi

cargo build --release --locked -p datalab-cli
exec "$venv/bin/python" bench/import_profile.py --datalab "$CARGO_TARGET_DIR/release/datalab" "$@"
