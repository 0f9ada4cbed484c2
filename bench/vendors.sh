#!/usr/bin/env bash
# Harness overhead per vendor call at a fixed rate: Data Lab's evaluation
# harness beside a bare reqwest loop and a Python `requests` loop (what a
# user would write instead), all sending the same OIP v2 bodies to the same
# test vendor server on loopback, each call timed from its rate slot to its
# answer in hand.
#   bench/vendors.sh [RATE] [CALLS] [CONCURRENCY]     (default 500 5000 8)
set -euo pipefail
BENCH_WITHOUT_DATALAB=1 source "$(dirname "$0")/env.sh"
rate="${1:-500}"; calls="${2:-5000}"; concurrency="${3:-8}"
cargo build --release --locked -p datalab-vendor-server
cargo build --release --locked -p datalab-vendors --example overhead
out="$(mktemp)"
"$CARGO_TARGET_DIR/release/datalab-vendor-server" --labels setosa,versicolor,virginica >"$out" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 50); do grep -q listening "$out" && break; sleep 0.1; done
url="$(sed -n 's/^listening on //p' "$out")"
echo "vendor server at $url; $calls calls at $rate/s, $concurrency at once"
"$CARGO_TARGET_DIR/release/examples/overhead" "$url" "$rate" "$calls" "$concurrency"
"$PYTHON" bench/vendors.py "$url" "$rate" "$calls"
