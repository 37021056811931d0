#!/usr/bin/env bash
# The CLI is behind the default `cli` feature: check that the library and its tests still build,
# lint-free, without it (what `default-features = false` users get). The CLI's own tests run in
# 10-rust.sh; its pty tests need only `sh`, `stty` and `setsid`, which every Debian system has.
set -euo pipefail
cargo check --no-default-features --all-targets
cargo clippy --no-default-features --all-targets -- -D warnings
