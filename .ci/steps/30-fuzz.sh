#!/usr/bin/env bash
# Coverage-guided fuzzing, briefly: every target in fuzz/ for ~30 s from its committed corpus.
# Fails on any crash (the input is left in fuzz/artifacts/, which `cargo test` then replays).
# Longer runs: `bash fuzz/run.sh TARGET SECONDS`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
bash fuzz/run.sh all "${FUZZ_SECONDS:-30}"
