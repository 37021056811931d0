#!/usr/bin/env bash
# Runs the comparison benchmarks (tokenvault, SQLite, SQLCipher, the FileStore port, raw redb)
# and prints the tables of docs/BENCHMARKS.md from this run.
#   benches/run.sh [--quick] [--no-sqlcipher]
# --quick: 200 tokens and short timings (a smoke run, ~1 minute once built).
# --no-sqlcipher: skip the SQLCipher build (it compiles OpenSSL: ~3-5 minutes the first time).
# Output: target/run/report.md (printed), criterion's data beside it.
set -euo pipefail
cd "$(dirname "$0")/compare"
# The workspace's one target directory (the root Cargo.toml is the workspace).
target=$(cd ../.. 2>/dev/null && pwd)/target
[[ -n "${CARGO_TARGET_DIR:-}" ]] && target=$(realpath -m "$CARGO_TARGET_DIR")

quick=0
cipher=1
for arg in "$@"; do
    case $arg in
        --quick) quick=1 ;;
        --no-sqlcipher) cipher=0 ;;
        *) echo "usage: benches/run.sh [--quick] [--no-sqlcipher]" >&2; exit 2 ;;
    esac
done

out="$target"/run
rm -rf "$out"
mkdir -p "$out"
export CRITERION_HOME="$out/criterion"
footprint_args=(--out "$out/footprint.jsonl")
if [[ $quick == 1 ]]; then
    export BENCH_QUICK=1
    footprint_args+=(--quick)
fi
cipher_build=(--no-default-features --features sqlcipher --target-dir "$target"/sqlcipher)

echo "::: building" >&2
cargo build --quiet --release --benches --bins
if [[ $cipher == 1 ]]; then
    cargo build --quiet --release --benches --bins "${cipher_build[@]}"
fi

start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "::: timing tokenvault, SQLite, FileStore port, raw redb (log: $out/bench.log)" >&2
cargo bench --quiet --bench compare >"$out/bench.log" 2>&1 || { tail -30 "$out/bench.log"; exit 1; }
if [[ $cipher == 1 ]]; then
    echo "::: timing SQLCipher" >&2
    cargo bench --quiet --bench compare "${cipher_build[@]}" >>"$out/bench.log" 2>&1 \
        || { tail -30 "$out/bench.log"; exit 1; }
fi
echo "::: bytes on disk and peak memory" >&2
"$target"/release/footprint "${footprint_args[@]}" 2>>"$out/bench.log"
if [[ $cipher == 1 ]]; then
    "$target"/sqlcipher/release/footprint "${footprint_args[@]}" 2>>"$out/bench.log"
fi
elapsed=$(( $(date +%s) - start ))

if commit=$(git rev-parse --short HEAD 2>/dev/null); then
    git diff --quiet HEAD -- ../../src ../../Cargo.toml . || commit="$commit (with uncommitted changes)"
else
    commit="${TOKENVAULT_COMMIT:-unknown} (exported tree)"
fi
{
    echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), tokenvault $commit, $elapsed s of measuring."
    echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/{print $2}') GiB, Linux $(uname -r), $(rustc --version)."
    echo "Command: \`benches/run.sh $*\`. Medians of criterion's samples; ratios to SQLite in the same run."
    echo "Load average before / after measuring: $load_before / $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews timings)."
    "$target"/release/report "$CRITERION_HOME" "$out/footprint.jsonl"
} >"$out/report.md"
cat "$out/report.md"
