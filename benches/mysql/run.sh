#!/usr/bin/env bash
# tokenvault's MySQL engine against the SDK's DBStore layout and the file engine, then its
# PostgreSQL engine against the same layout in a plain PostgreSQL table and against the MySQL
# engine, in the same run (the "MySQL backend" and "PostgreSQL backend" sections of
# docs/BENCHMARKS.md). Uses the servers TOKENVAULT_BENCH_MYSQL_URL and
# TOKENVAULT_BENCH_POSTGRES_URL name, else starts a throwaway MariaDB (.ci/mariadb.sh) and
# PostgreSQL (.ci/postgres.sh) on loopback.
#   bash benches/mysql/run.sh
set -euo pipefail
cd "$(dirname "$0")"
# The workspace's one target directory (the root Cargo.toml is the workspace).
target=$(cd ../.. 2>/dev/null && pwd)/target
[[ -n "${CARGO_TARGET_DIR:-}" ]] && target=$(realpath -m "$CARGO_TARGET_DIR")
stops=()
trap 'for stop in "${stops[@]}"; do "$stop"; done' EXIT
if [[ -z "${TOKENVAULT_BENCH_MYSQL_URL:-}" ]]; then
    source ../../.ci/mariadb.sh
    mariadb_start >&2
    stops+=(mariadb_stop)
    export TOKENVAULT_BENCH_MYSQL_URL="$TOKENVAULT_TEST_MYSQL_URL"
fi
if [[ -z "${TOKENVAULT_BENCH_POSTGRES_URL:-}" ]]; then
    source ../../.ci/postgres.sh
    postgres_start >&2
    stops+=(postgres_stop)
    export TOKENVAULT_BENCH_POSTGRES_URL="$TOKENVAULT_TEST_POSTGRES_URL"
fi
echo "::: building (release)" >&2
cargo build --quiet --release
echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), tokenvault $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)."
"$target"/release/tokenvault-bench-mysql
