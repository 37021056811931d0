#!/usr/bin/env bash
# The PostgreSQL engine (feature `postgres`): PostgreSQL from Debian's packages, started on
# loopback with TLS and a throwaway data directory (.ci/postgres.sh), then lints and the
# PostgreSQL tests against it: the cases every server engine passes (tests/common/server_cases:
# the FileStore cases replayed on the server, lifecycle and copies, 8 processes x 200 saves,
# 8 threads x 1000 operations, key slots, unreachable and silent servers), its own faults
# (sessions terminated mid-transaction and while saving, busy, password sources, the socket),
# TLS modes and defaults, the pg_dump check, then alone the server itself killed while saving; the CLI (copy between a file, PostgreSQL and MySQL in
# every direction: MariaDB is started too, .ci/mariadb.sh) and the token service; then the Python
# package given a postgres:// URL and 2 hosts x 4 processes making one refresh
# (python/tests/test_server_url.py, test_server_refresh.py, their PostgreSQL half).
# The step fails if a server does not come up; the tests fail rather than skip when CI is set
# and no server is named, and the Python run fails if anything was skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/postgres.sh
source .ci/mariadb.sh
stop_servers() {
    postgres_stop
    mariadb_stop
}
trap stop_servers EXIT
postgres_start
mariadb_start

cargo clippy --all-targets --features postgres -- -D warnings
cargo clippy --all-targets --features mysql,postgres -- -D warnings
cargo test -p tokenvault --features postgres --lib --test postgres
# Alone: it kills and restarts the server the other tests use.
cargo test -p tokenvault --features postgres --test postgres -- --ignored crash::
cargo test -p tokenvault-cli --features mysql,postgres --test cli postgres::
cargo test -p tokenvault-cli --features postgres --test serve server::

source .ci/server-python-tests.sh
server_python_tests postgres
