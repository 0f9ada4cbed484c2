#!/usr/bin/env bash
# Tracking throughput: the same mlflow client script against Data Lab's
# tracking server (release), `mlflow server` (SQLite) and FastTrackML (SQLite),
# side by side: log_batch points/s, search_runs over 10,000 runs, a 100,000-point
# history, and a command trial's overhead. Figures go in BENCHMARKS.md.
#   bench/tracking.sh [tracking.py args...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --release --locked -p datalab-cli
venv="${BENCH_TRACKING_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/datalab/bench-tracking-venv}"
if [ ! -x "$venv/bin/python" ]; then
    echo "bench: creating a venv at $venv" >&2
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements-tracking.txt
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps fasttrackml==0.6.0
exec "$venv/bin/python" bench/tracking.py --datalab "$CARGO_TARGET_DIR/release/datalab" --fml "$venv/bin/fml" "$@"
