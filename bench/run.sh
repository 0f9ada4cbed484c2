#!/usr/bin/env bash
# Import + profile benchmark: Data Lab's CLI against pandas and polars for Python, in one run.
#   bench/run.sh [import_profile.py args...]
set -euo pipefail
source "$(dirname "$0")/env.sh"
exec "$PYTHON" bench/import_profile.py --datalab "$DATALAB" "$@"
