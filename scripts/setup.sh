#!/usr/bin/env bash
# Installs what building and testing Data Lab needs on a Debian machine, and
# nothing that is there already. Safe to run again. Run as root or with sudo.
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

# Build output lives outside the clone so fresh clones reuse it; a cold one works too.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/datalab/target}"
mkdir -p "$CARGO_TARGET_DIR"
