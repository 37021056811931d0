#!/usr/bin/env bash
# A CA and a server certificate for the throwaway test servers (.ci/mariadb.sh, .ci/postgres.sh).
# Sourced, not run.

# A CA and a server certificate for 127.0.0.1 and localhost, valid for two days, in $1:
# ca.pem, ca.key, server.pem, server.key (the keys 0600).
test_certificates() {
    local dir=$1
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tokenvault test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
        "extendedKeyUsage=serverAuth" >"$dir/ext.cnf"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$dir/ext.cnf" -out "$dir/server.pem" 2>/dev/null
    chmod 600 "$dir/server.key" "$dir/ca.key"
    chmod 644 "$dir/ca.pem" "$dir/server.pem"
}
