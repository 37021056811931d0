#!/usr/bin/env bash
# Long crash run (not part of CI): SIGKILL a writing child process at random moments, N cycles
# (default 500) against one vault, checking every acknowledged write after each kill.
# Usage: bash .ci/long/crash.sh [cycles]   (replay a schedule: TOKENVAULT_TEST_SEED=<printed seed>)
set -euo pipefail
cd "$(dirname "$0")/../.."
TOKENVAULT_CRASH_CYCLES="${1:-500}" \
    cargo test --test reliability crash:: -- --nocapture --test-threads=1
