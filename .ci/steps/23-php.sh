#!/usr/bin/env bash
# The PHP package (php/): `php -l` on every PHP file, composer.json checked, then the phpunit
# suite (Debian's phpunit) against the real Zoho CRM PHP SDK subset in php/tests/vendor-sdk/ and
# `tokenvault serve` from this workspace's debug build, including a php-fpm pool of its own
# (Debian's php-fpm, started by the test in a temporary directory). Nothing is written into the
# checkout but target/.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v php >/dev/null || missing+=(php-cli)
command -v phpunit >/dev/null || missing+=(phpunit)
php -m 2>/dev/null | grep -qx curl || missing+=(php-curl)
php -m 2>/dev/null | grep -qx mbstring || missing+=(php-mbstring)
# The PHP-FPM pool test (php/tests/FpmPoolTest.php): php-fpm, and libfcgi's cgi-fcgi.
{ command -v php-fpm || compgen -G '/usr/sbin/php-fpm*'; } >/dev/null || missing+=(php-fpm)
command -v cgi-fcgi >/dev/null || missing+=(libfcgi-bin)
if ((${#missing[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Syntax of every PHP file (the package, the tests, the vendored SDK subset, the benchmark).
find php -name '*.php' -print0 | xargs -0 -n1 php -l >/dev/null

# composer.json, as composer itself checks it (Debian's composer package; packagist, which
# composer would fetch packages from, is not needed for this).
command -v composer >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq composer >/dev/null; }
composer validate --strict --no-check-lock --working-dir=php

cargo build -p tokenvault-cli
target_dir=$(cargo metadata --format-version 1 --no-deps | php -r 'echo json_decode(stream_get_contents(STDIN))->target_directory;')
export TOKENVAULT_BIN="${TOKENVAULT_BIN:-$target_dir/debug/tokenvault}"

# The recorded FileStore answers are reproducible from the vendored SDK: record again, compare.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tokenvault-php.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
php php/tests/record-php-filestore.php tests/data/compat/filestore-cases.json "$tmp/cases.json" 2>/dev/null
php -r 'exit(json_decode(file_get_contents($argv[1]), true)["cases"] == json_decode(file_get_contents($argv[2]), true)["cases"] ? 0 : 1);' \
    "$tmp/cases.json" php/tests/data/php-filestore-cases.json \
    || { echo "php/tests/data/php-filestore-cases.json differs from a new recording" >&2; exit 1; }

(cd php && phpunit --do-not-cache-result)
