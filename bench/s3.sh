#!/usr/bin/env bash
# Upload and download of a package against the local S3 server (s3s-fs),
# Data Lab's publish and fetch beside boto3 (the reference client) on the
# same server and the same bytes.
#   bench/s3.sh [SIZE_MIB]      (default 1024)
set -euo pipefail
BENCH_WITHOUT_DATALAB=1 source "$(dirname "$0")/env.sh"
install_s3s_fs
cargo build --release --locked -p datalab-publish --example transfer
size="${1:-1024}"
work="$(mktemp -d "${BENCH_TMP:-/var/tmp}/datalab-s3.XXXXXX")"
pids=()
# Wait for them, so that a run started next finds the display and ports free.
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$work/s3/datalab" "$work/s3/boto3"
s3s-fs --host 127.0.0.1 --port "$port" --access-key bench --secret-key bench-secret-0123456789 "$work/s3" >/dev/null 2>&1 &
pids+=($!)
sleep 1
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-0123456789
ours="$("$CARGO_TARGET_DIR/release/examples/transfer" "http://127.0.0.1:$port" datalab "$size" "$work")"
"$PYTHON" bench/s3.py --endpoint "http://127.0.0.1:$port" --file "$work/package/model.bin" --work "$work" --datalab "$ours"
