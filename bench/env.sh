# Sourced by the bench scripts: sets up the machine (scripts/setup.sh), builds
# datalab in release, and prepares a Python venv with bench/requirements.txt.
# Exports DATALAB (the binary) and PYTHON (the venv's interpreter).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
venv="${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/datalab/bench-venv}"
if [ ! -x "$venv/bin/python" ]; then
    echo "bench: creating a venv at $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
fi
"$venv/bin/pip" install --quiet -r bench/requirements.txt
# The scripts that need the datalab binary (all but s3.sh) build it in release.
if [ "${BENCH_WITHOUT_DATALAB:-0}" != 1 ]; then
    cargo build --release --locked -p datalab-cli
fi
export DATALAB="$CARGO_TARGET_DIR/release/datalab"
export PYTHON="$venv/bin/python"
