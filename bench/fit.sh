#!/usr/bin/env bash
# Fit time and quality per algorithm: Data Lab against scikit-learn on generated data.
#   bench/fit.sh [fit.py args...]
set -euo pipefail
source "$(dirname "$0")/env.sh"
exec "$PYTHON" bench/fit.py --datalab "$DATALAB" "$@"
