#!/usr/bin/env bash
# Builds what tokenvault ships, into dist/ at the repository root, and checks each artifact:
#
#   dist/tokenvault-VERSION-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#       one wheel for every CPython >= 3.9 on x86-64 Linux with glibc >= 2.17 (manylinux2014),
#       linked by zig (maturin --zig) so that it needs no newer glibc than that whatever this
#       machine has; it holds the extension, the Python package with its .pyi and py.typed, the
#       license texts, and the `tokenvault` command (a console script running the CLI compiled
#       into the extension: python/src/cli.rs says why). `auditwheel show` must confirm the
#       manylinux_2_17 policy, `twine check` that the README renders as the long description.
#   dist/tokenvault-VERSION.tar.gz
#       the sdist (building it needs Rust, as `pip install ./python` does).
#   dist/tokenvault-VERSION-x86_64-unknown-linux-gnu.tar.gz
#       the standalone CLI binary for machines without Python (cron, ops), with the `mysql`
#       and `postgres` features as in the wheel, built for glibc 2.17 by cargo-zigbuild; `objdump -T` must show
#       no GLIBC symbol version newer than 2.17. Plus the license texts and the README.
#
# Usage: bash python/build_wheels.sh          # all three
#        bash python/build_wheels.sh wheel    # the wheel only (.ci/steps/20-python.sh, 50-mysql.sh, 55-postgres.sh)
# A second run rebuilds only what changed (cargo's own freshness check on python/target and
# target/), so later CI steps call this instead of building a wheel of their own.
#
# The tools come from PyPI into target/wheel-tools (a virtualenv, kept between runs): maturin,
# ziglang (the zig toolchain as a wheel), cargo-zigbuild, auditwheel and twine, at the versions
# python/requirements-build.txt pins, each dependency included, with their hashes (pip
# --require-hashes: a file on PyPI replaced or tampered with is refused). The virtualenv is made
# again when that file changes. dist/ is ignored by git (so is target/).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
case "$what" in all | wheel) ;; *) echo "usage: $0 [all|wheel]" >&2; exit 2 ;; esac

# glibc 2.17 is manylinux2014's baseline (CentOS 7): the oldest glibc a wheel or binary of ours
# may need.
glibc=2.17
rust_target=x86_64-unknown-linux-gnu
# One version for the whole workspace ([workspace.package] in the root Cargo.toml), which
# python/Cargo.toml inherits; the wheel, the sdist and the binary's archive are named after it.
version=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print({p["name"]: p["version"] for p in json.load(sys.stdin)["packages"]}["tokenvault-python"])')

tools=$PWD/target/wheel-tools
requirements=python/requirements-build.txt
if [[ ! -x "$tools/bin/maturin" || ! -x "$tools/bin/cargo-zigbuild" ]] \
    || ! cmp -s "$requirements" "$tools/requirements-build.txt"; then
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; }
    python3 -m venv --clear "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
        -r "$requirements"
    # Installed as pinned: what the next run compares with.
    cp "$requirements" "$tools/requirements-build.txt"
fi
# maturin and cargo-zigbuild find zig through `python -m ziglang` with the python on PATH.
export PATH="$tools/bin:$PATH"
mkdir -p dist

# ---- the wheel -----------------------------------------------------------------------------------
rm -f dist/tokenvault-*.whl
maturin build --quiet --locked --release --strip --zig --compatibility manylinux2014 \
    --target "$rust_target" --manifest-path python/Cargo.toml --out dist
wheels=(dist/tokenvault-*.whl)
wheel=${wheels[0]}
[[ ${#wheels[@]} -eq 1 && "$wheel" == "dist/tokenvault-$version-cp39-abi3-"*manylinux_2_17_x86_64*.whl ]] \
    || { echo "unexpected wheel(s): ${wheels[*]}" >&2; exit 1; }

# The policy the wheel actually meets: auditwheel reads every versioned symbol and linked library.
audit=$(auditwheel show "$wheel")
echo "$audit"
policy=$(tr '\n' ' ' <<<"$audit" \
    | sed -n 's/.*consistent with the following platform tag: *"manylinux_2_\([0-9]*\)_x86_64".*/\1/p')
if [[ -z "$policy" ]] || ((policy > ${glibc#2.})); then
    echo "auditwheel: $wheel does not meet manylinux_2_17 (manylinux2014)" >&2
    exit 1
fi

# What a Python user expects in the wheel.
python3 - "$wheel" <<'EOF'
import sys, zipfile

names = zipfile.ZipFile(sys.argv[1]).namelist()
expected = [
    "tokenvault/__init__.py",
    "tokenvault/__main__.py",
    "tokenvault/_native.pyi",
    "tokenvault/py.typed",
    "licenses/LICENSE-MIT",
    "licenses/LICENSE-APACHE",
    "entry_points.txt",
]
missing = [e for e in expected if not any(n.endswith(e) for n in names)]
native = [n for n in names if n.startswith("tokenvault/_native") and n.endswith(".abi3.so")]
if missing or len(native) != 1:
    sys.exit("the wheel lacks %s (it holds: %s)" % (missing or "the abi3 extension", names))
print("wheel contents: ok (%d files)" % len(names))
EOF
twine check --strict "$wheel"
ls -l "$wheel"
[[ "$what" == wheel ]] && exit 0

# ---- the sdist -----------------------------------------------------------------------------------
rm -f dist/tokenvault-*.tar.gz
maturin sdist --manifest-path python/Cargo.toml --out dist
twine check --strict "dist/tokenvault-$version.tar.gz"

# ---- the standalone CLI binary -------------------------------------------------------------------
cargo zigbuild --quiet --locked --release -p tokenvault-cli --features mysql,postgres --target "$rust_target.$glibc" --bin tokenvault
binary=${CARGO_TARGET_DIR:-target}/$rust_target/release/tokenvault
newest=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -1)
echo "$binary: newest glibc symbol version $newest"
if [[ "$(printf '%s\n' "$newest" "GLIBC_$glibc" | sort -V | tail -1)" != "GLIBC_$glibc" ]]; then
    echo "the binary needs $newest, newer than glibc $glibc" >&2
    exit 1
fi
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
package=tokenvault-$version-$rust_target
mkdir "$staging/$package"
cp "$binary" LICENSE-MIT LICENSE-APACHE README.md "$staging/$package/"
strip "$staging/$package/tokenvault"
tar -C "$staging" -czf "dist/$package.tar.gz" "$package"
ls -l dist/
