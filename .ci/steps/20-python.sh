#!/usr/bin/env bash
# The Python package (python/): formatting and lints of the binding crate, then the pytest suite
# against the abi3 wheel (python/build_wheels.sh's, in dist/) and the real Zoho CRM SDK
# (zohocrmsdk8-0 7.0.0), in a throwaway virtualenv. Nothing is written into the checkout except
# the ignored python/target, target/ and dist/.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Python >= 3.9 with venv (Debian splits venv/ensurepip into python3-venv).
missing=()
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if ((${#missing[@]})); then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -c 'import sys; assert sys.version_info >= (3, 9), "tokenvault needs Python >= 3.9"'

work=$(mktemp -d "${TMPDIR:-/tmp}/tokenvault-python.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
pip="$work/venv/bin/pip"
"$pip" install --quiet --disable-pip-version-check ruff mypy

rustup component add rustfmt clippy >/dev/null 2>&1 || true
(cd python && cargo fmt --check && cargo clippy --all-targets -- -D warnings)
(cd python && "$work/venv/bin/ruff" check --quiet . && "$work/venv/bin/mypy" --no-error-summary)

# The wheel 17-wheels.sh built into dist/ (this rebuilds it only if a source changed since).
bash python/build_wheels.sh wheel
"$pip" install --quiet --disable-pip-version-check dist/tokenvault-*.whl \
    "zohocrmsdk8-0==7.0.0" "pytest>=7"

# test_refresh_ahead.py runs `tokenvault serve --refresh-ahead` over a simulated day: a build of
# the command with the test-only feature `simulated-clock` (never in the wheel), copied out.
cargo build --quiet -p tokenvault-cli --features simulated-clock
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
cp "$target_dir/debug/tokenvault" "$work/tokenvault-simulated-clock"
export TOKENVAULT_TEST_SIMULATED_CLOCK_BIN=$work/tokenvault-simulated-clock

# Run from the repository root (tests read tests/data), against the installed wheel.
"$work/venv/bin/pytest" python/tests -q -rs -p no:cacheprovider
