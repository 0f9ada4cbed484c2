#!/usr/bin/env bash
# 24-trial sweep: Data Lab (1 worker, all cores) against scikit-learn's GridSearchCV.
#   bench/sweep.sh [sweep.py args...]
set -euo pipefail
source "$(dirname "$0")/env.sh"
exec "$PYTHON" bench/sweep.py --datalab "$DATALAB" "$@"
