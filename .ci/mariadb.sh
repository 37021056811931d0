#!/usr/bin/env bash
# A throwaway MariaDB server on loopback for the MySQL tests and benchmarks. Sourced, not run:
#
#   source .ci/mariadb.sh && mariadb_start      # installs MariaDB if missing, starts it,
#                                               # exports TOKENVAULT_TEST_MYSQL_URL
#   ...                                          # cargo test --features mysql --test mysql
#   mariadb_stop                                 # stops it and removes its data directory
#
# The server listens on 127.0.0.1 only (port TOKENVAULT_MARIADB_PORT, default 33061), keeps its
# data in a new directory under /tmp, and runs with Debian's defaults otherwise: InnoDB,
# innodb_flush_log_at_trx_commit=1, so a commit is durable when it returns. Tests get a user with
# every privilege on this server only (they create and drop one database each); the root account
# is reachable through the Unix socket only. TLS is on, with a certificate for 127.0.0.1 from a CA
# made for this run (TOKENVAULT_TEST_MYSQL_CA names its PEM), so the TLS modes can be tested.

source "$(dirname "${BASH_SOURCE[0]}")/test-ca.sh"

mariadb_install() {
    if command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null \
        && command -v mysqldump >/dev/null && command -v openssl >/dev/null; then
        return 0
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        mariadb-server mariadb-client openssl >/dev/null
}

mariadb_start() {
    mariadb_install
    local port="${TOKENVAULT_MARIADB_PORT:-33061}"
    MARIADB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tokenvault-mariadb.XXXXXX")
    export MARIADB_DIR
    mariadb-install-db --no-defaults --user=root --datadir="$MARIADB_DIR/data" \
        --auth-root-authentication-method=socket --skip-test-db >"$MARIADB_DIR/install.log" 2>&1 \
        || { cat "$MARIADB_DIR/install.log" >&2; return 1; }
    test_certificates "$MARIADB_DIR/tls"
    mariadbd --no-defaults --user=root --datadir="$MARIADB_DIR/data" \
        --ssl-ca="$MARIADB_DIR/tls/ca.pem" --ssl-cert="$MARIADB_DIR/tls/server.pem" \
        --ssl-key="$MARIADB_DIR/tls/server.key" \
        --socket="$MARIADB_DIR/sock" --pid-file="$MARIADB_DIR/pid" \
        --bind-address=127.0.0.1 --port="$port" --skip-name-resolve \
        --log-error="$MARIADB_DIR/error.log" --innodb-buffer-pool-size=128M \
        --max-connections=400 &
    MARIADB_PID=$!
    export MARIADB_PID
    local waited=0
    until mariadb-admin --no-defaults --socket="$MARIADB_DIR/sock" -uroot ping >/dev/null 2>&1; do
        if ! kill -0 "$MARIADB_PID" 2>/dev/null || ((waited >= 60)); then
            echo "MariaDB did not come up within ${waited}s:" >&2
            cat "$MARIADB_DIR/error.log" >&2 || true
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    local password
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    # The driver reconnects through the Unix socket when it reaches 127.0.0.1 (prefer_socket),
    # so the user exists for both hosts.
    mariadb --no-defaults --socket="$MARIADB_DIR/sock" -uroot <<SQL
CREATE USER 'tokenvault'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER 'tokenvault'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'tokenvault'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'tokenvault'@'localhost' WITH GRANT OPTION;
CREATE DATABASE tokenvault_test;
SQL
    export TOKENVAULT_TEST_MYSQL_URL="mysql://tokenvault:$password@127.0.0.1:$port/tokenvault_test"
    export TOKENVAULT_TEST_MYSQL_SOCKET="$MARIADB_DIR/sock"
    export TOKENVAULT_TEST_MYSQL_CA="$MARIADB_DIR/tls/ca.pem"
    echo "MariaDB $(mariadbd --version | awk '{print $3}') on 127.0.0.1:$port (data in $MARIADB_DIR)"
}

mariadb_stop() {
    if [[ -n "${MARIADB_PID:-}" ]]; then
        kill "$MARIADB_PID" 2>/dev/null || true
        wait "$MARIADB_PID" 2>/dev/null || true
    fi
    [[ -n "${MARIADB_DIR:-}" ]] && rm -rf "$MARIADB_DIR"
    unset MARIADB_PID MARIADB_DIR TOKENVAULT_TEST_MYSQL_URL TOKENVAULT_TEST_MYSQL_SOCKET \
        TOKENVAULT_TEST_MYSQL_CA
}
