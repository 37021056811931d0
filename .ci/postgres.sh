#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the PostgreSQL tests and benchmarks, from
# Debian's packages. Sourced, not run:
#
#   source .ci/postgres.sh && postgres_start    # installs PostgreSQL if missing, starts it,
#                                               # exports TOKENVAULT_TEST_POSTGRES_URL
#   ...                                          # cargo test --features postgres --test postgres
#   postgres_stop                                # stops it and removes its data directory
#
# The server listens on 127.0.0.1 only (port TOKENVAULT_POSTGRES_PORT, default 54321) and on a
# Unix socket in its new directory under /tmp (TOKENVAULT_TEST_POSTGRES_SOCKET names the folder),
# and keeps Debian's defaults otherwise: fsync and synchronous_commit on, so a commit is durable
# when it returns. Its superuser `tokenvault` logs in with a password made for this run
# (scram-sha-256, on TCP and the socket alike); tests create and drop one database each. TLS is on,
# with a certificate for 127.0.0.1 from a CA made for this run (TOKENVAULT_TEST_POSTGRES_CA names
# its PEM), and the role `tokenvault_tls` (a member of `tokenvault`) is admitted over TLS only, so
# the TLS modes can be tested. PostgreSQL refuses to run as root: as root (CI), the server runs
# as the `postgres` user the package creates.

source "$(dirname "${BASH_SOURCE[0]}")/test-ca.sh"

postgres_install() {
    if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && command -v psql >/dev/null \
        && command -v pg_dump >/dev/null && command -v openssl >/dev/null; then
        return 0
    fi
    # The package would make and start a cluster of its own on port 5432: not wanted here.
    if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
        mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        postgresql postgresql-client openssl >/dev/null
}

postgres_start() {
    postgres_install
    local port="${TOKENVAULT_POSTGRES_PORT:-54321}" bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    POSTGRES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tokenvault-postgres.XXXXXX")
    export POSTGRES_DIR
    chmod 755 "$POSTGRES_DIR"
    local as_server=()
    if ((EUID == 0)); then
        as_server=(runuser -u postgres --)
    fi
    local password
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    (umask 077 && printf '%s\n' "$password" >"$POSTGRES_DIR/pwfile")
    test_certificates "$POSTGRES_DIR/tls"
    if ((EUID == 0)); then
        chown -R postgres: "$POSTGRES_DIR"
    fi
    "${as_server[@]}" "$bin/initdb" -D "$POSTGRES_DIR/data" -U tokenvault \
        --pwfile="$POSTGRES_DIR/pwfile" --auth-host=scram-sha-256 --auth-local=scram-sha-256 \
        >"$POSTGRES_DIR/initdb.log" 2>&1 \
        || { cat "$POSTGRES_DIR/initdb.log" >&2; return 1; }
    rm -f "$POSTGRES_DIR/pwfile"
    # The TLS-only role: refused without TLS, before the general lines.
    local hba="$POSTGRES_DIR/data/pg_hba.conf"
    {
        echo "hostnossl all tokenvault_tls all reject"
        echo "hostssl all tokenvault_tls all scram-sha-256"
        cat "$hba"
    } >"$hba.new" && mv "$hba.new" "$hba"
    if ((EUID == 0)); then
        chown postgres: "$hba"
    fi
    local options="-c listen_addresses=127.0.0.1 -p $port -k $POSTGRES_DIR -c max_connections=400 \
-c ssl=on -c ssl_cert_file=$POSTGRES_DIR/tls/server.pem -c ssl_key_file=$POSTGRES_DIR/tls/server.key \
-c ssl_ca_file=$POSTGRES_DIR/tls/ca.pem"
    "${as_server[@]}" "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w -t 60 \
        -o "$options" start >/dev/null \
        || { cat "$POSTGRES_DIR/server.log" >&2; return 1; }
    PGPASSWORD="$password" psql -q -v ON_ERROR_STOP=1 -h "$POSTGRES_DIR" -p "$port" \
        -U tokenvault -d postgres <<SQL
CREATE ROLE tokenvault_tls LOGIN PASSWORD '$password' IN ROLE tokenvault;
CREATE DATABASE tokenvault_test;
SQL
    # The server killed (immediate shutdown: no checkpoint, as a crash) and started again, for
    # the one test that does that to it (run alone: tests/postgres/crash.rs).
    cat >"$POSTGRES_DIR/restart" <<RESTART
#!/usr/bin/env bash
set -e
${as_server[*]} "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -m immediate -w stop >/dev/null
${as_server[*]} "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w -t 60 \
    -o "$options" start >/dev/null
RESTART
    chmod 755 "$POSTGRES_DIR/restart"
    export TOKENVAULT_TEST_POSTGRES_RESTART="$POSTGRES_DIR/restart"
    export TOKENVAULT_TEST_POSTGRES_URL="postgres://tokenvault:$password@127.0.0.1:$port/tokenvault_test"
    export TOKENVAULT_TEST_POSTGRES_SOCKET="$POSTGRES_DIR"
    export TOKENVAULT_TEST_POSTGRES_CA="$POSTGRES_DIR/tls/ca.pem"
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $POSTGRES_DIR)"
}

postgres_stop() {
    if [[ -n "${POSTGRES_DIR:-}" && -d "$POSTGRES_DIR/data" ]]; then
        local bin as_server=()
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
        ((EUID == 0)) && as_server=(runuser -u postgres --)
        "${as_server[@]}" "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -m immediate -w stop \
            >/dev/null 2>&1 || true
    fi
    [[ -n "${POSTGRES_DIR:-}" ]] && rm -rf "$POSTGRES_DIR"
    unset POSTGRES_DIR TOKENVAULT_TEST_POSTGRES_URL TOKENVAULT_TEST_POSTGRES_SOCKET \
        TOKENVAULT_TEST_POSTGRES_CA TOKENVAULT_TEST_POSTGRES_RESTART
}
