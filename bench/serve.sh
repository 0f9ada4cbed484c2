#!/usr/bin/env bash
# Data Lab's model server (datalab-serve, release) beside `mlflow models
# serve` (uvicorn, 2 workers: one per core) on loopback: the same iris
# logistic regression, the same requests (MLflow's dataframe_split on
# /invocations, which both answer), one row and 100 rows, one connection
# (latency) and 16 (throughput). bench/serve_mlflow.py trains and saves the
# scikit-learn model and writes the request bodies.
#   bench/serve.sh [SECONDS]     (default 10 per measurement)
set -euo pipefail
BENCH_WITHOUT_DATALAB=1 source "$(dirname "$0")/env.sh"
seconds="${1:-10}"
mlflow_venv="${BENCH_MLFLOW_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/datalab/bench-mlflow-venv}"
if [ ! -x "$mlflow_venv/bin/python" ]; then
    python3 -m venv "$mlflow_venv"
    "$mlflow_venv/bin/pip" install --quiet --upgrade pip
fi
"$mlflow_venv/bin/pip" install --quiet -r bench/requirements-mlflow.txt
MLFLOW_PYTHON="$mlflow_venv/bin/python"
# The project and package are only set up with the CLI: its debug build does.
cargo build --locked -p datalab-cli
cargo build --release --locked -p datalab-serving --bin datalab-serve --example load
work="$(mktemp -d "${BENCH_TMP:-/var/tmp}/datalab-serve.XXXXXX")"
pids=()
# Wait for them, so that a run started next finds the display and ports free.
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1200); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "bench: $1 never answered" >&2; exit 1; }

datalab="$CARGO_TARGET_DIR/debug/datalab"
"$datalab" demo "$work/lab" >/dev/null
cat > "$work/spec.toml" <<'SPEC'
name = "iris logistic regression"
seed = 1
[dataset]
name = "iris"
[task]
kind = "classification"
target = "species"
[validation]
kind = "holdout"
test_fraction = 0.2
[[models]]
model = "logistic_regression"
params = { alpha = [1.0] }
SPEC
run="$("$datalab" --project "$work/lab" --json run "$work/spec.toml" | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["runs"][0]["id"])')"
"$datalab" --project "$work/lab" model register "$run" --name iris >/dev/null
"$MLFLOW_PYTHON" bench/serve_mlflow.py --csv assets/datasets/iris.csv --work "$work"

ours="$(free_port)"
"$CARGO_TARGET_DIR/release/datalab-serve" --package "$work/lab/models/iris/1" --port "$ours" >/dev/null 2>&1 &
pids+=($!)
theirs="$(free_port)"
PATH="$mlflow_venv/bin:$PATH" "$mlflow_venv/bin/mlflow" models serve -m "$work/mlflow-model" --env-manager local \
    --host 127.0.0.1 --port "$theirs" --workers 2 >"$work/mlflow.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$ours/v2/health/ready"
wait_for "http://127.0.0.1:$theirs/ping"

load="$CARGO_TARGET_DIR/release/examples/load"
echo "$(nproc) cores; $seconds s per line; mlflow $("$MLFLOW_PYTHON" -c 'import mlflow; print(mlflow.__version__)')"
for rows in 1 100; do
    for connections in 1 16; do
        for mode in keepalive fresh; do
            "$load" "http://127.0.0.1:$ours/invocations" "$work/body-$rows.json" "$connections" "$seconds" "datalab-serve, $rows row(s)" $([ $mode = fresh ] && echo fresh)
            "$load" "http://127.0.0.1:$theirs/invocations" "$work/body-$rows.json" "$connections" "$seconds" "mlflow models serve, $rows row(s)" $([ $mode = fresh ] && echo fresh)
        done
    done
done
