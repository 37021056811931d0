#!/usr/bin/env bash
# The MySQL/MariaDB engine (feature `mysql`): MariaDB from Debian's packages, started on
# loopback with a throwaway data directory (.ci/mariadb.sh), then lints and every `mysql_*`
# test against it: the FileStore cases replayed on the server, lifecycle and copies, faults
# (unreachable, killed connection, busy), 8 processes x 200 saves, 8 threads x 1000 operations,
# the mysqldump check, DBStore migration and the CLI; then the Python package given a mysql://
# URL (python/tests/test_server_url.py) and many workers, one refresh on the server (2 hosts x 4
# processes, python/tests/test_server_refresh.py), their MySQL half; the wheel is 17-wheels.sh's in dist/, rebuilt
# only if a source changed since.
# The step fails if the server does not come up; the tests fail rather than skip when CI is set
# and no server is named, and the Python run fails if anything was skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/mariadb.sh
mariadb_start
trap mariadb_stop EXIT

cargo clippy --all-targets --features mysql -- -D warnings
cargo test -p tokenvault --features mysql --lib --test mysql
cargo test -p tokenvault --features mysql --doc
cargo test -p tokenvault-cli --features mysql --test cli mysql::
cargo test -p tokenvault-cli --features mysql --test serve server::

source .ci/server-python-tests.sh
server_python_tests mysql
