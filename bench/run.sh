#!/usr/bin/env bash
# Run the import+profile benchmark (Data Lab CLI vs pandas vs polars).
#   bench/run.sh [import_profile.py args...]   e.g. bench/run.sh --rows 200000 --repeat 5
# Venv location: $BENCH_VENV (default /work/cache/bench-venv). Builds nothing itself.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
venv="${BENCH_VENV:-/work/cache/bench-venv}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating venv at $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi

# Find the binary the script will use (--datalab PATH overrides the default).
datalab="$repo/target/release/datalab"
allow_missing=0
prev=""
for arg in "$@"; do
    case "$arg" in
        --datalab=*) datalab="${arg#--datalab=}" ;;
        --allow-missing-datalab) allow_missing=1 ;;
    esac
    if [ "$prev" = "--datalab" ]; then datalab="$arg"; fi
    prev="$arg"
done

case "$datalab" in
    /*) ;;
    *) [ -e "$datalab" ] || datalab="$repo/$datalab" ;;
esac

if [ ! -x "$datalab" ] && [ "$allow_missing" = 0 ]; then
    echo "error: datalab binary not found at $datalab" >&2
    echo "build it with \`cargo build --release -p datalab-cli\` (or pass --allow-missing-datalab)" >&2
    exit 1
fi

exec "$venv/bin/python" "$here/import_profile.py" "$@"
