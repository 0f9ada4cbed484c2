#!/usr/bin/env bash
# Runs the desktop end-to-end test: starts Xvfb (when there is no display)
# and tauri-driver, then drives the real app (tests/e2e/desktop.mjs).
#   tests/e2e/run.sh PATH/TO/datalab-desktop
# Screenshots land in tests/e2e/out/ (E2E_OUT).
set -euo pipefail
cd "$(dirname "$0")/../.."
app="$(realpath "$1")"
tauri_driver="${TAURI_DRIVER:-tauri-driver}"
out="${E2E_OUT:-$PWD/tests/e2e/out}"
mkdir -p "$out"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# A scratch home, so the app's web storage starts empty every run.
scratch="$(mktemp -d)"
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache"

if [ -z "${DISPLAY:-}" ]; then
    display=":$((90 + RANDOM % 9))"
    Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
    pids+=($!)
    export DISPLAY="$display"
    for _ in $(seq 50); do [ -S "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
fi
# An S3-compatible server for the publish step (s3s-fs; scripts/test.sh installs it).
command -v s3s-fs >/dev/null 2>&1 || { echo "e2e: s3s-fs is not installed (scripts/test.sh installs it)" >&2; exit 1; }
s3_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
rm -rf "$out/s3" && mkdir -p "$out/s3/models"
s3s-fs --host 127.0.0.1 --port "$s3_port" --access-key e2e-access --secret-key e2e-secret-0123456789 \
    "$out/s3" >"$out/s3s-fs.log" 2>&1 &
pids+=($!)
# The app reads S3 credentials from its environment, as a user's would be.
export AWS_ACCESS_KEY_ID=e2e-access AWS_SECRET_ACCESS_KEY=e2e-secret-0123456789
export E2E_S3_ENDPOINT="http://127.0.0.1:$s3_port" E2E_S3_DATA="$out/s3"

port="${WEBDRIVER_PORT:-4444}"
"$tauri_driver" --port "$port" >"$out/tauri-driver.log" 2>&1 &
pids+=($!)
export WEBDRIVER_URL="http://127.0.0.1:$port" DATALAB_DESKTOP="$app" DATALAB_REPO="$PWD" E2E_OUT="$out"
node tests/e2e/desktop.mjs
