#!/usr/bin/env bash
# Sets up and runs every check and test: formatting, lints, unit,
# integration and CLI tests. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
echo "test: target dir $CARGO_TARGET_DIR" >&2

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
