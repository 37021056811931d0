#!/usr/bin/env bash
# What a user installs, proven as a user without Rust gets it:
#  1. python/build_wheels.sh writes dist/: the manylinux2014 abi3 wheel (auditwheel show must
#     confirm the policy), the sdist, and the standalone glibc-2.17 CLI binary (objdump -T checked).
#     Later steps (20-python.sh, 50-mysql.sh) install this same wheel instead of building another.
#  2. For every CPython 3.9-3.13 (pyenv's, else python3.X on PATH), with cargo and rustc taken off
#     PATH: a fresh virtualenv installs tokenvault from dist/ alone (no index; the Zoho SDK and
#     pytest come from the index), then runs python/tests/test_packaging.py (one version, wheel
#     contents, migration of docs/examples/sdk_tokens.txt, `tokenvault list`/`verify`, exit codes,
#     Ctrl-C), test_sdk_token_flow.py (the SDK's token flow against a vault) and test_migration.py.
#     Nothing may be skipped. It prints the wheel's size, the install time and the import time.
#  3. The CLI test suites (crates/tokenvault-cli/tests/cli/, and tests/serve/ for `tokenvault
#     serve`) against the pip-installed `tokenvault` command (TOKENVAULT_TEST_BIN), then against
#     the standalone binary, which also runs on its own first.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

bash python/build_wheels.sh

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
wheel=$(echo dist/tokenvault-"$version"-cp39-abi3-*.whl)
work=$(mktemp -d "${TMPDIR:-/tmp}/tokenvault-wheels.XXXXXX")
trap 'rm -rf "$work"' EXIT

# PATH without any directory holding cargo or rustc (rustup's ~/.cargo/bin, or a system Rust).
clean_path=
IFS=: read -ra dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
    [[ -z "$dir" || -e "$dir/cargo" || -e "$dir/rustc" ]] && continue
    clean_path=${clean_path:+$clean_path:}$dir
done
no_rust() { env -u CARGO_HOME -u RUSTUP_HOME -u RUSTUP_TOOLCHAIN -u CARGO_TARGET_DIR PATH="$clean_path" "$@"; }
no_rust sh -c '! command -v cargo && ! command -v rustc' >/dev/null \
    || { echo "cargo or rustc is still on the clean PATH" >&2; exit 1; }

measurements=("wheel $(basename "$wheel"): $(stat -c %s "$wheel") bytes")
pythons=()
for minor in 9 10 11 12 13; do
    python=$(ls -d "$HOME"/.pyenv/versions/3."$minor".*/bin/python3."$minor" 2>/dev/null | sort -V | tail -1 || true)
    [[ -n "$python" ]] || python=$(command -v "python3.$minor" || true)
    if [[ -z "$python" ]]; then
        # Every CPython 3.9-3.13 is proven where the machine has it (this project's CI machines
        # do, under pyenv); a machine without one says so loudly rather than failing the run.
        echo "::warning:: CPython 3.$minor not found (looked in ~/.pyenv/versions and on PATH): the wheel is not proven on it here" >&2
        measurements+=("CPython 3.$minor: not on this machine, not proven")
        continue
    fi
    pythons+=("$python")
done
((${#pythons[@]} > 0)) || { echo "no CPython 3.9-3.13 found" >&2; exit 1; }

for python in "${pythons[@]}"; do
    minor=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    venv=$work/py$minor
    echo "::: CPython $minor ($python), no Rust on PATH"
    no_rust "$python" -m venv "$venv"
    # The wheel alone, from dist/ alone: --isolated ignores pip's environment and user
    # configuration (here, a PIP_FIND_LINKS), --no-index every index.
    start=$(date +%s%N)
    no_rust "$venv/bin/pip" --isolated install --quiet --disable-pip-version-check --no-index \
        --find-links dist --only-binary tokenvault "tokenvault==$version"
    install_ms=$((($(date +%s%N) - start) / 1000000))
    no_rust "$venv/bin/pip" install --quiet --disable-pip-version-check "zohocrmsdk8-0==7.0.0" "pytest>=7"
    # The tokenvault that runs is the installed one, not python/tokenvault.
    no_rust "$venv/bin/python" -c 'import sys, tokenvault; assert tokenvault.__file__.startswith(sys.prefix), tokenvault.__file__'
    # Microseconds, from -X importtime: the sum of the cumulative times of the top-level
    # `tokenvault*` imports, for the package alone (what the command loads) and with VaultStore
    # (whose module imports the Zoho SDK on first use).
    importtime() {
        no_rust "$venv/bin/python" -X importtime -c "$1" 2>&1 \
            | awk -F'|' '$3 ~ /^ tokenvault/ { gsub(/ /, "", $2); us += $2 } END { print us }'
    }
    import_us=$(importtime 'import tokenvault')
    store_us=$(importtime 'from tokenvault import VaultStore')
    report=$(no_rust "$venv/bin/pytest" python/tests/test_packaging.py \
        python/tests/test_sdk_token_flow.py python/tests/test_migration.py -q -rs -p no:cacheprovider) \
        || { echo "$report"; exit 1; }
    echo "$report" | tail -3
    if grep -qi skipped <<<"$report"; then
        echo "CPython $minor: tests were skipped" >&2
        exit 1
    fi
    measurements+=("CPython $minor: pip install of the wheel into a fresh venv $install_ms ms; import tokenvault $((import_us / 1000)) ms, from tokenvault import VaultStore (imports the SDK) $((store_us / 1000)) ms")
done

# The CLI suite, as cargo runs it for the cargo-built binary, against the pip-installed command
# (the last CPython's venv) and then the standalone binary. cargo is needed here to build the test
# programs, not the command under test.
cli_tests=(--test cli --test serve)
TOKENVAULT_TEST_BIN=$venv/bin/tokenvault cargo test --quiet -p tokenvault-cli "${cli_tests[@]}"

tar -C "$work" -xzf "dist/tokenvault-$version-x86_64-unknown-linux-gnu.tar.gz"
binary=$work/tokenvault-$version-x86_64-unknown-linux-gnu/tokenvault
(
    cd "$work"
    export TOKENVAULT_PASSPHRASE=standalone
    no_rust "$binary" import --create --kdf-memory-kib 8 --kdf-iterations 1 --kdf-parallelism 1 --insecure-kdf \
        "$repo/docs/examples/sdk_tokens.txt"
    [[ $(no_rust "$binary" --json list | "$venv/bin/python" -c 'import json, sys; print(len(json.load(sys.stdin)["tokens"]))') == 3 ]]
    no_rust "$binary" verify
)
TOKENVAULT_TEST_BIN=$binary cargo test --quiet -p tokenvault-cli "${cli_tests[@]}"

# Start-up cost of the command: mean of 20 `--version` runs, pip command against the binary.
for cli in "pip-installed command (CPython $minor):$venv/bin/tokenvault" "standalone binary:$binary"; do
    start=$(date +%s%N)
    for _ in $(seq 20); do "${cli#*:}" --version >/dev/null; done
    measurements+=("${cli%%:*}, tokenvault --version: $((($(date +%s%N) - start) / 20000000)) ms")
done
measurements+=("standalone binary: $(stat -c %s "dist/tokenvault-$version-x86_64-unknown-linux-gnu.tar.gz") bytes packed, $(stat -c %s "$binary") bytes")

echo "::: tokenvault measurements (bash .ci/steps/17-wheels.sh)"
printf '  %s\n' "${measurements[@]}"
