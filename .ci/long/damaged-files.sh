#!/usr/bin/env bash
# Long damaged-file sweep (not part of CI): flip every byte of a small vault, and truncate it at
# every length; each copy is opened, listed, searched and verified.
# Usage: bash .ci/long/damaged-files.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
TOKENVAULT_DAMAGE_STRIDE=1 \
    cargo test --test reliability damaged_files:: -- --nocapture --test-threads=1
