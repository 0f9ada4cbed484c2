#!/usr/bin/env bash
# Gradient boosting: Data Lab against LightGBM, XGBoost and scikit-learn's
# HistGradientBoosting at the same settings, on generated and real tables.
#   bench/boost.sh [boost.py args...]
set -euo pipefail
source "$(dirname "$0")/env.sh"
exec "$PYTHON" bench/boost.py --datalab "$DATALAB" "$@"
