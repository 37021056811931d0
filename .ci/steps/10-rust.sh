#!/usr/bin/env bash
# Formatting (the whole workspace), lints, and the Rust test suite (the README's `cargo test`):
# the library and the command, the workspace's default members.
set -euo pipefail
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
cargo test --doc
