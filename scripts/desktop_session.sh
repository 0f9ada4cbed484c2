# Sourced by tests/e2e/run.sh, bench/ui.sh and bench/ui_probe.sh: what driving the
# desktop app (and the served UI in a browser) over WebDriver needs around it. Each
# start_* function appends the process it starts to the caller's `pids` array;
# stop_started stops them and waits, so that a run started next finds the display
# and the ports free.

# A scratch home under $1, so the app's web storage and caches start empty.
use_scratch_home() {
    export XDG_DATA_HOME="$1/data" XDG_CONFIG_HOME="$1/config" XDG_CACHE_HOME="$1/cache"
}

# A virtual screen on display $1 (":97") when there is no display; its output to $2.
start_xvfb_if_headless() {
    [ -n "${DISPLAY:-}" ] && return 0
    Xvfb "$1" -screen 0 1280x800x24 -nolisten tcp >"${2:-/dev/null}" 2>&1 &
    pids+=($!)
    export DISPLAY="$1"
    for _ in $(seq 50); do [ -S "/tmp/.X11-unix/X${1#:}" ] && break; sleep 0.1; done
}

# tauri-driver ($TAURI_DRIVER if set) on port $1, its output to $2; exports WEBDRIVER_URL.
# Its WebKitWebDriver listens on port $1 + 1000 (not the shared default 4445), so
# a test and a benchmark can drive their own apps at the same time.
start_tauri_driver() {
    "${TAURI_DRIVER:-tauri-driver}" --port "$1" --native-port "$(($1 + 1000))" >"${2:-/dev/null}" 2>&1 &
    pids+=($!)
    export WEBDRIVER_URL="http://127.0.0.1:$1"
}

# WebKitWebDriver on port $1 driving a browser (the served-UI test), its output to $2;
# exports BROWSER_WEBDRIVER_URL, and MINIBROWSER (WebKitGTK's browser, which it drives).
start_webkit_webdriver() {
    WebKitWebDriver --port="$1" >"${2:-/dev/null}" 2>&1 &
    pids+=($!)
    export BROWSER_WEBDRIVER_URL="http://127.0.0.1:$1"
    MINIBROWSER="$(ls /usr/lib/*/webkit2gtk-4.1/MiniBrowser 2>/dev/null | head -n 1)"
    export MINIBROWSER
}

stop_started() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
