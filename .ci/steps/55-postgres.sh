#!/usr/bin/env bash
# The PostgreSQL engine (feature `postgres`): PostgreSQL from Debian's packages, started on
# loopback with TLS and a throwaway data directory (.ci/postgres.sh), then lints and the
# PostgreSQL tests against it: the cases every server engine passes (tests/common/server_cases:
# the FileStore cases replayed on the server, lifecycle and copies, 8 processes x 200 saves,
# 8 threads x 1000 operations, key slots, unreachable and silent servers), its own faults
# (sessions terminated mid-transaction and while saving, busy, password sources, the socket),
# TLS modes and defaults, the pg_dump check; the CLI (copy between a file, PostgreSQL and MySQL in
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
cargo test -p tokenvault-cli --features mysql,postgres --test cli postgres::
cargo test -p tokenvault-cli --features postgres --test serve server::

python3 -c 'import venv, ensurepip' >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tokenvault-postgres-python.XXXXXX")
trap 'rm -rf "$work"; stop_servers' EXIT
python3 -m venv "$work/venv"
bash python/build_wheels.sh wheel >/dev/null
"$work/venv/bin/pip" install --quiet --disable-pip-version-check dist/tokenvault-*.whl \
    "zohocrmsdk8-0==7.0.0" "pytest>=7"
status=0
report=$("$work/venv/bin/pytest" python/tests/test_server_url.py python/tests/test_server_refresh.py \
    -k postgres -q -rs -p no:cacheprovider) \
    || status=$?
echo "$report"
((status == 0)) || exit "$status"
if grep -qi skipped <<<"$report"; then
    echo "the Python PostgreSQL tests were skipped" >&2
    exit 1
fi
