#!/usr/bin/env bash
# The ledger of a large project: 100,000 runs and 1,000,000 vendor evaluation
# rows (written straight into a real project's database: the point is the
# ledger's reading, not making them), read through `datalab call ledger`
# five times; the median and the slowest.
#   bench/ledger.sh [RUNS] [EVALUATION_ROWS]      (100000 and 1000000 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --release --locked -p datalab-cli
datalab="$CARGO_TARGET_DIR/release/datalab"
runs="${1:-100000}"
rows="${2:-1000000}"
work="$(mktemp -d "${BENCH_TMP:-/var/tmp}/datalab-ledger.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$datalab" demo "$work/lab" >/dev/null
DATALAB_PROJECT="$work/lab" "$datalab" run assets/specs/iris.toml >/dev/null
python3 - "$work/lab/datalab.sqlite" "$runs" "$rows" <<'PY'
import random, sqlite3, sys
db, runs, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(1)
conn = sqlite3.connect(db)
models = ["decision_tree", "random_forest", "logistic_regression", "gradient_boosting", "gaussian_nb"]
conn.execute("BEGIN")
for e in range(100):
    conn.execute("INSERT INTO experiments (name, dataset_sha256, spec_toml, created_at) VALUES (?, 'x', '', ?)",
                 (f"bench {e}", f"2026-{1 + e % 12:02d}-{1 + e % 28:02d}T10:00:00.000Z"))
first = conn.execute("SELECT min(id) FROM experiments WHERE name LIKE 'bench %'").fetchone()[0]
conn.executemany(
    "INSERT INTO runs (experiment_id, trial, model, params_json, status, started_at, finished_at, wall_ms, cpu_ms, summary_json, uuid) "
    "VALUES (?, ?, ?, '{}', 'succeeded', ?, ?, ?, ?, '{}', lower(hex(randomblob(16))))",
    ((first + i % 100, i, models[i % 5], f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00.000Z",
      f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:01:00.000Z", random.uniform(10, 5000), random.uniform(10, 9000))
     for i in range(runs)))
evaluations = 1000
for v in range(evaluations):
    conn.execute("INSERT INTO evaluations (experiment_id, vendor_name, config_json, status, started_at) VALUES (?, ?, '{}', 'succeeded', ?)",
                 (first + v % 100, f"vendor-{v % 7}", f"2026-{1 + v % 12:02d}-{1 + v % 28:02d}T11:00:00.000Z"))
first_eval = conn.execute("SELECT min(id) FROM evaluations").fetchone()[0]
per = rows // evaluations
conn.executemany(
    "INSERT INTO evaluation_rows (evaluation_id, row_index, answer, latency_ms, attempts, input_tokens, output_tokens, cost, cached) "
    "VALUES (?, ?, 'x', 12.5, 1, 120, 4, 0.0002, ?)",
    ((first_eval + i // per, i % per, 1 if i % 10 == 0 else 0) for i in range(per * evaluations)))
conn.commit()
print(f"{conn.execute('SELECT count(*) FROM runs').fetchone()[0]} runs, {conn.execute('SELECT count(*) FROM evaluation_rows').fetchone()[0]} evaluation rows")
PY
times=()
for i in 1 2 3 4 5; do
    t0=$(date +%s%N)
    DATALAB_PROJECT="$work/lab" "$datalab" call ledger '{}' >/dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "datalab call ledger (process start included), 5 times: ${times[*]} ms; median ${sorted[2]} ms, slowest ${sorted[4]} ms"
