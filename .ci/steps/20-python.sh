#!/usr/bin/env bash
# The Python package (python/): formatting and lints of the binding crate, the abi3 wheel built
# with maturin, then the pytest suite against that wheel and the real Zoho CRM SDK
# (zohocrmsdk8-0 7.0.0), in a throwaway virtualenv. Nothing is written into the checkout except
# python/target (the crate's own, ignored, build directory).
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
"$pip" install --quiet --disable-pip-version-check "maturin>=1.9.4,<2" ruff mypy

rustup component add rustfmt clippy >/dev/null 2>&1 || true
(cd python && cargo fmt --check && cargo clippy --all-targets -- -D warnings)
(cd python && "$work/venv/bin/ruff" check --quiet . && "$work/venv/bin/mypy" --no-error-summary)

"$work/venv/bin/maturin" build --release --manifest-path python/Cargo.toml --out "$work/dist"
"$pip" install --quiet --disable-pip-version-check "$work"/dist/tokenvault-*.whl \
    "zohocrmsdk8-0==7.0.0" "pytest>=7"

# Run from the repository root (tests read ../shared), against the installed wheel.
"$work/venv/bin/pytest" python/tests -q -rs -p no:cacheprovider
