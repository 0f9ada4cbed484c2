#!/usr/bin/env bash
# Experiment bundles against the local S3 server (s3s-fs), beside `aws s3 sync`
# of the same files: push and pull of an experiment on a large snapshot, of an
# experiment of many runs, and a second push of an unchanged experiment.
#   bench/bundles.sh [SNAPSHOT_MIB] [RUNS]      (1024 and 1000 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_s3s_fs
cargo build --release --locked -p datalab-cli
datalab="$CARGO_TARGET_DIR/release/datalab"
aws_python="$(python_venv bench/requirements-awscli.txt)"
aws="$(dirname "$aws_python")/aws"
size="${1:-1024}"
runs="${2:-1000}"
work="$(mktemp -d "${BENCH_TMP:-/var/tmp}/datalab-bundles.XXXXXX")"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$work/s3/team"
s3s-fs --host 127.0.0.1 --port "$port" --access-key bench --secret-key bench-secret-0123456789 "$work/s3" >/dev/null 2>&1 &
pids+=($!)
sleep 1
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-0123456789 AWS_DEFAULT_REGION=us-east-1
endpoint="http://127.0.0.1:$port"
seconds() { python3 -c 'import time; print(f"{time.monotonic():.3f}")'; }
timed() { local t0 t1; t0=$(seconds); "$@" >/dev/null; t1=$(seconds); python3 -c "print(f'{$t1 - $t0:.2f}')"; }

# Two projects sharing one bucket.
"$datalab" init "$work/a" >/dev/null
"$datalab" init "$work/b" >/dev/null
for lab in a b; do
    DATALAB_PROJECT="$work/$lab" "$datalab" storage add s3 --bucket team --endpoint "$endpoint" --prefix lab --path-style >/dev/null
done

# 1. An experiment on a large snapshot (numbers that compress little).
python3 - "$work/big.csv" "$size" <<'PY'
import random, sys
random.seed(3)
target = int(sys.argv[2]) * 1024 * 1024 * 2  # CSV text is about twice its Parquet snapshot
with open(sys.argv[1], "w") as out:
    out.write("a,b,c,d,e,label\n")
    written = 0
    while written < target:
        line = ",".join(f"{random.random():.9f}" for _ in range(5)) + f",{random.choice('xy')}\n"
        out.write(line)
        written += len(line)
PY
DATALAB_PROJECT="$work/a" "$datalab" dataset import "$work/big.csv" --name big >/dev/null
rm "$work/big.csv"
cat >"$work/big.toml" <<'TOML'
name = "big"
[dataset]
name = "big"
[task]
kind = "classification"
target = "label"
[validation]
kind = "holdout"
test_fraction = 0.2
[[models]]
model = "gaussian_nb"
TOML
DATALAB_PROJECT="$work/a" "$datalab" run "$work/big.toml" >/dev/null
snapshot_bytes=$(du -sb "$work/a/datasets" | cut -f1)
push_big=$(timed env DATALAB_PROJECT="$work/a" "$datalab" experiment push 1 --to s3 --name big)
again_big=$(timed env DATALAB_PROJECT="$work/a" "$datalab" experiment push 1 --to s3 --name big)
pull_big=$(timed env DATALAB_PROJECT="$work/b" "$datalab" experiment pull big --from s3)
aws_up_big=$(timed "$aws" --endpoint-url "$endpoint" s3 sync "$work/a/datasets" s3://team/aws/big/datasets)
aws_down_big=$(timed "$aws" --endpoint-url "$endpoint" s3 sync s3://team/aws/big/datasets "$work/down-big")

# 2. An experiment of many runs on a small table (many small files).
python3 - "$work/many.toml" "$runs" <<'PY'
import sys
runs = int(sys.argv[2])
depths = list(range(1, 11))
splits = list(range(2, 2 + max(1, runs // len(depths))))
with open(sys.argv[1], "w") as out:
    out.write('name = "many"\n[dataset]\nname = "iris"\n[task]\nkind = "classification"\ntarget = "species"\n')
    out.write('[validation]\nkind = "holdout"\ntest_fraction = 0.3\n[search]\nkind = "grid"\n')
    out.write(f'[[models]]\nmodel = "decision_tree"\nparams = {{ max_depth = {depths}, min_samples_split = {splits} }}\n')
PY
DATALAB_PROJECT="$work/a" "$datalab" dataset import assets/datasets/iris.csv >/dev/null
DATALAB_MAX_TRIALS=100000 DATALAB_PROJECT="$work/a" "$datalab" run "$work/many.toml" >/dev/null
run_bytes=$(du -sb "$work/a/runs" | cut -f1)
run_files=$(find "$work/a/runs" -type f | wc -l)
push_many=$(timed env DATALAB_PROJECT="$work/a" "$datalab" experiment push 2 --to s3 --name many)
again_many=$(timed env DATALAB_PROJECT="$work/a" "$datalab" experiment push 2 --to s3 --name many)
pull_many=$(timed env DATALAB_PROJECT="$work/b" "$datalab" experiment pull many --from s3)
aws_up_many=$(timed "$aws" --endpoint-url "$endpoint" s3 sync "$work/a/runs" s3://team/aws/many/runs)
aws_down_many=$(timed "$aws" --endpoint-url "$endpoint" s3 sync s3://team/aws/many/runs "$work/down-many")

python3 - <<PY
def row(what, ours, theirs, size):
    mb = size / 1024 / 1024
    print(f"| {what} | {ours:.2f} s ({mb / ours:.0f} MiB/s) | {theirs:.2f} s ({mb / theirs:.0f} MiB/s) | {theirs / ours:.2f}x |")
print(f"snapshot {$snapshot_bytes / 1024 / 1024:.0f} MiB; {$run_files} run files, {$run_bytes / 1024 / 1024:.1f} MiB")
print("| | Data Lab | aws s3 sync | Data Lab's share of aws's throughput |")
print("|---|---:|---:|---:|")
row("push, large snapshot", $push_big, $aws_up_big, $snapshot_bytes)
row("pull, large snapshot", $pull_big, $aws_down_big, $snapshot_bytes)
row("push, $runs runs", $push_many, $aws_up_many, $run_bytes)
row("pull, $runs runs", $pull_many, $aws_down_many, $run_bytes)
print(f"second push of an unchanged experiment: {$again_big:.2f} s (large snapshot), {$again_many:.2f} s ($runs runs)")
PY
