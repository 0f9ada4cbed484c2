#!/usr/bin/env bash
# Installs what building and testing Data Lab needs on a Debian machine, and
# nothing that is there already. Safe to run again. Run it as root (a root shell
# has no sudo), or as a user who may use sudo: it calls sudo for apt-get only.
#
# Sourced by demo.sh and test.sh; exports CARGO_TARGET_DIR.
set -euo pipefail

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

need_packages=()
command -v cc >/dev/null 2>&1 || need_packages+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_packages+=(pkg-config)
command -v git >/dev/null 2>&1 || need_packages+=(git)
if [ "${#need_packages[@]}" -gt 0 ]; then
    echo "setup: installing ${need_packages[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

# Rust: the workspace needs 1.95 or newer (edition 2024).
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: no Rust toolchain; trying Debian's rustup package" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustup >/dev/null || {
        echo "setup: cannot install Rust. Install Rust 1.95 or newer (https://rustup.rs) and run this again." >&2
        exit 1
    }
    rustup default stable
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [ "${rust_minor:-0}" -lt 95 ]; then
    echo "setup: Rust $(rustc --version) is too old; Data Lab needs 1.95 or newer (rustup update stable)." >&2
    exit 1
fi

# The desktop app and its tests: WebKitGTK (Tauri's web view), Xvfb for a
# window without a screen, WebKitWebDriver; Node.js and npm for the UI.
desktop_packages=(libwebkit2gtk-4.1-dev webkit2gtk-driver xvfb xauth fonts-dejavu-core curl)
missing=()
for package in "${desktop_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
node_major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || true)
if [ "${node_major:-0}" -lt 20 ]; then missing+=(nodejs npm); fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
node_major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || true)
if [ "${node_major:-0}" -lt 20 ]; then
    echo "setup: Node.js $(node --version 2>/dev/null || echo missing) is too old; the UI build needs Node.js 20 or newer." >&2
    exit 1
fi

# Build output lives outside the clone so fresh clones reuse it; a cold one works too.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/datalab/target}"
mkdir -p "$CARGO_TARGET_DIR"

# Tools built from crates.io, cached beside the build output.
export DATALAB_TOOLS="${DATALAB_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/datalab/tools}"
export PATH="$DATALAB_TOOLS/bin:$PATH"

# tauri-driver: the WebDriver front of the desktop app's end-to-end test.
install_tauri_driver() {
    if ! command -v tauri-driver >/dev/null 2>&1; then
        echo "setup: installing tauri-driver (about a minute)" >&2
        cargo install tauri-driver --version '^2' --locked --root "$DATALAB_TOOLS" --quiet
    fi
}

# s3s-fs: the S3-compatible server the publishing tests run against (MinIO
# itself is not in the package registries). It checks SigV4 credentials and
# keeps data on disk; the tests start and stop it themselves.
install_s3s_fs() {
    if ! command -v s3s-fs >/dev/null 2>&1; then
        echo "setup: installing s3s-fs 0.14.1 (a few minutes)" >&2
        CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install s3s-fs --version 0.14.1 --locked \
            --features binary --root "$DATALAB_TOOLS" --quiet
    fi
}

# The UI (ui/dist): its npm packages from ui/package-lock.json, then a build.
build_ui() {
    if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
        echo "setup: installing the UI's npm packages" >&2
        (cd ui && npm ci --no-audit --no-fund --loglevel=error)
    fi
    # The desktop crate embeds ui/dist: rebuilding an unchanged UI would still touch
    # it and make cargo rebuild the app for nothing (minutes in release).
    # The stamp lives outside ui/dist so that it is not embedded with the UI.
    local stamp=ui/node_modules/.datalab-ui-built
    if [ -f ui/dist/index.html ] && [ -f "$stamp" ] && [ -z "$(find ui/src ui/index.html ui/package.json \
        ui/package-lock.json ui/tsconfig.json ui/vite.config.ts -newer "$stamp" 2>/dev/null | head -n 1)" ]; then
        return
    fi
    # Stamped as of the build's start: a file saved during the build is newer than it.
    touch "$stamp.next"
    (cd ui && npm run --silent build >/dev/null)
    mv "$stamp.next" "$stamp"
}

# A Python venv with what a requirements file names, made once per file
# content under the cache folder: `python_venv FILE` prints its python.
python_venv() {
    if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        echo "setup: installing python3 and python3-venv" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    fi
    local requirements=$1
    local key
    key=$(sha256sum "$requirements" | cut -c1-12)
    local venv="${XDG_CACHE_HOME:-$HOME/.cache}/datalab/venv-$key"
    if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
        echo "setup: making a Python venv for $requirements (a few minutes)" >&2
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
        touch "$venv/.complete"
    fi
    echo "$venv/bin/python"
}
