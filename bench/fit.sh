#!/usr/bin/env bash
# Fit time and quality per algorithm: Data Lab against scikit-learn on generated data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
venv="${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/datalab/bench-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
fi
"$venv/bin/pip" install --quiet -r bench/requirements.txt
cargo build --release --locked -p datalab-cli
exec "$venv/bin/python" bench/fit.py --datalab "$CARGO_TARGET_DIR/release/datalab" "$@"
