#!/usr/bin/env bash
# tokenvault's MySQL engine against the SDK's DBStore layout and the file engine (the "MySQL
# backend" section of docs/BENCHMARKS.md). Uses the server TOKENVAULT_BENCH_MYSQL_URL names, else
# starts a throwaway MariaDB on loopback (.ci/mariadb.sh) and a database on it.
#   bash benches/mysql/run.sh
set -euo pipefail
cd "$(dirname "$0")"
# The workspace's one target directory (the root Cargo.toml is the workspace).
target=$(cd ../.. 2>/dev/null && pwd)/target
[[ -n "${CARGO_TARGET_DIR:-}" ]] && target=$(realpath -m "$CARGO_TARGET_DIR")
if [[ -z "${TOKENVAULT_BENCH_MYSQL_URL:-}" ]]; then
    source ../../.ci/mariadb.sh
    mariadb_start >&2
    trap mariadb_stop EXIT
    export TOKENVAULT_BENCH_MYSQL_URL="$TOKENVAULT_TEST_MYSQL_URL"
fi
echo "::: building (release)" >&2
cargo build --quiet --release
echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), tokenvault $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)."
"$target"/release/tokenvault-bench-mysql
