#!/usr/bin/env bash
# Runs the end-to-end tests: starts Xvfb (when there is no display) and
# tauri-driver, then drives the real app (tests/e2e/desktop.mjs); then the UI
# served by `datalab ui --serve` (the datalab binary beside the app) in
# WebKitGTK's MiniBrowser over WebKitWebDriver (tests/e2e/browser.mjs).
#   tests/e2e/run.sh PATH/TO/datalab-desktop
# Screenshots land in tests/e2e/out/ (E2E_OUT).
set -euo pipefail
cd "$(dirname "$0")/../.."
app="$(realpath "$1")"
out="${E2E_OUT:-$PWD/tests/e2e/out}"
mkdir -p "$out"
source scripts/desktop_session.sh
pids=()
trap stop_started EXIT

# A scratch home, so the app's web storage starts empty every run.
use_scratch_home "$(mktemp -d)"
start_xvfb_if_headless ":$((90 + RANDOM % 9))" "$out/xvfb.log"
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

start_tauri_driver "${WEBDRIVER_PORT:-4444}" "$out/tauri-driver.log"
export DATALAB_DESKTOP="$app" DATALAB_REPO="$PWD" E2E_OUT="$out"
node tests/e2e/desktop.mjs

start_webkit_webdriver "${BROWSER_WEBDRIVER_PORT:-4446}" "$out/webkitwebdriver.log"
export DATALAB_CLI="$(dirname "$app")/datalab"
node tests/e2e/browser.mjs
