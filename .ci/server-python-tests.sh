#!/usr/bin/env bash
# The Python package against a running test server (.ci/steps/50-mysql.sh, 55-postgres.sh):
# `server_python_tests ENGINE` installs the wheel (17-wheels.sh's in dist/, rebuilt only if a
# source changed since) with the Zoho SDK and pytest in a new virtualenv and runs
# python/tests/test_server_url.py and test_server_refresh.py for ENGINE (`mysql`, `postgres`);
# it fails if anything was skipped. Sourced, not run.

server_python_tests() {
    local engine=$1 work status=0 report
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; }
    work=$(mktemp -d "${TMPDIR:-/tmp}/tokenvault-$engine-python.XXXXXX")
    python3 -m venv "$work/venv"
    bash python/build_wheels.sh wheel >/dev/null
    "$work/venv/bin/pip" install --quiet --disable-pip-version-check dist/tokenvault-*.whl \
        "zohocrmsdk8-0==7.0.0" "pytest>=7"
    report=$("$work/venv/bin/pytest" python/tests/test_server_url.py \
        python/tests/test_server_refresh.py -k "$engine" -q -rs -p no:cacheprovider) \
        || status=$?
    rm -rf "$work"
    echo "$report"
    ((status == 0)) || return "$status"
    if grep -qi skipped <<<"$report"; then
        echo "the Python $engine tests were skipped" >&2
        return 1
    fi
}
