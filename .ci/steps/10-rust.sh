#!/usr/bin/env bash
# Formatting (the whole workspace), lints, and the Rust test suite (the README's `cargo test`):
# the library and the command, the workspace's default members.
set -euo pipefail
rustup component add rustfmt clippy >/dev/null 2>&1 || true
# strace: the tests that count a read's sync calls (tests/common/syncs.rs) fail under CI without it.
if ! command -v strace >/dev/null; then
    apt-get update -qq && apt-get install -y -qq strace >/dev/null
fi
cargo fmt --all --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
cargo test --doc
