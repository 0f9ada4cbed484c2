#!/usr/bin/env bash
# Sets up and runs every check and test: the UI's type check, unit tests and
# build; Rust formatting, lints, unit, integration, CLI and HTTP tests; and
# the desktop app end to end under Xvfb. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
echo "test: target dir $CARGO_TARGET_DIR" >&2

install_tauri_driver
install_s3s_fs

# The UI first: its type check, unit tests and build (the desktop crate embeds ui/dist).
build_ui
(cd ui && npm run --silent check && npm test --silent)

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

# The real MLflow clients (3.x with scikit-learn, and 2.x) against `datalab
# tracking serve`, and the import from a real `mlflow server`, each in its own venv.
cargo build --locked -p datalab-cli
mlflow3=$(python_venv tests/mlflow/requirements.txt)
mlflow2=$(python_venv tests/mlflow/v2/requirements.txt)
mlflow_server=$(python_venv tests/mlflow/server/requirements.txt)
(cd tests/mlflow && DATALAB_BIN="$CARGO_TARGET_DIR/debug/datalab" "$mlflow3" -m pytest -q -p no:cacheprovider test_tracking.py test_command_trials.py)
(cd tests/mlflow && DATALAB_BIN="$CARGO_TARGET_DIR/debug/datalab" "$mlflow2" -m pytest -q -p no:cacheprovider v2)
(cd tests/mlflow && DATALAB_BIN="$CARGO_TARGET_DIR/debug/datalab" "$mlflow_server" -m pytest -q -p no:cacheprovider server)

# The lab's own models against scikit-learn and LightGBM on real data, fold by fold.
reference=$(python_venv tests/reference/requirements.txt)
(cd tests/reference && DATALAB_BIN="$CARGO_TARGET_DIR/debug/datalab" "$reference" -m pytest -q -p no:cacheprovider)

# The desktop app as a person uses it: the real binary in a window, over WebDriver.
cargo build --locked -p datalab-desktop
E2E_MLFLOW_PYTHON="$mlflow3" tests/e2e/run.sh "$CARGO_TARGET_DIR/debug/datalab-desktop"
echo "test: screenshots of the desktop test are in tests/e2e/out/" >&2
