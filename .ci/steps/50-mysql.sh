#!/usr/bin/env bash
# The MySQL/MariaDB engine (feature `mysql`): MariaDB from Debian's packages, started on
# loopback with a throwaway data directory (.ci/mariadb.sh), then lints and every `mysql_*`
# test against it: the FileStore cases replayed on the server, lifecycle and copies, faults
# (unreachable, killed connection, busy), 8 processes x 200 saves, 8 threads x 1000 operations,
# the mysqldump check, DBStore migration and the CLI. The step fails if the server does not come
# up; the tests themselves fail rather than skip when CI is set and no server is named.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/mariadb.sh
mariadb_start
trap mariadb_stop EXIT

cargo clippy --all-targets --features mysql -- -D warnings
tests=()
for file in tests/mysql_*.rs; do
    tests+=(--test "$(basename "$file" .rs)")
done
cargo test --features mysql --lib "${tests[@]}"
cargo test --features mysql --doc
