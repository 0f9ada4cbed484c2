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
port="${WEBDRIVER_PORT:-4444}"
"$tauri_driver" --port "$port" >"$out/tauri-driver.log" 2>&1 &
pids+=($!)
export WEBDRIVER_URL="http://127.0.0.1:$port" DATALAB_DESKTOP="$app" DATALAB_REPO="$PWD" E2E_OUT="$out"
node tests/e2e/desktop.mjs
