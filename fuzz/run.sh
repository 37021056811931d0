#!/usr/bin/env bash
# Runs the fuzz targets with cargo-fuzz (nightly):
#   fuzz/run.sh [TARGET|all] [SECONDS]      default: all targets, 30 s each
# Each target starts from its committed corpus (fuzz/corpus/TARGET, read only) and writes what it
# discovers to fuzz/work/TARGET (ignored by git). A crash stops the run with a non-zero exit and
# leaves the input in fuzz/artifacts/TARGET/, which `cargo test` then replays
# (tests/compat/fuzz_corpus.rs) until it is fixed. Executions per target are printed at the end.
set -euo pipefail
cd "$(dirname "$0")"

all=(record header ops_model file_bytes csv_import service_request)
target=${1:-all}
seconds=${2:-30}
if [[ $target == all ]]; then
    targets=("${all[@]}")
elif [[ " ${all[*]} " == *" $target "* ]]; then
    targets=("$target")
else
    echo "unknown target '$target'; one of: ${all[*]} all" >&2
    exit 2
fi

# No sanitizer: tokenvault forbids `unsafe`, and AddressSanitizer cut the vault targets' speed
# about eightfold (ops_model: 20 against 170 executions a second).
fuzz=(cargo +nightly fuzz)
flags=(-O -s none)
"${fuzz[@]}" build "${flags[@]}"
summary=()
for t in "${targets[@]}"; do
    mkdir -p "work/$t" "artifacts/$t"
    log="work/$t.log"
    echo "::: fuzz $t for ${seconds}s"
    # Memory cap: a peak resident size over FUZZ_RSS_LIMIT_MB (2 GiB) is a crash (no input may
    # make tokenvault allocate that much; libFuzzer's per-allocation cap, -malloc_limit_mb, needs
    # a sanitizer's allocator hooks and does nothing here). -timeout flags any input slower than
    # 30 s.
    status=0
    "${fuzz[@]}" run "${flags[@]}" "$t" "work/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=30 \
        -rss_limit_mb="${FUZZ_RSS_LIMIT_MB:-2048}" \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    if [[ $status -ne 0 ]]; then
        tail -n 40 "$log"
        echo "::: $t FAILED (exit $status) after $execs executions; input in fuzz/artifacts/$t/" >&2
        exit 1
    fi
    summary+=("$t: $execs executions in ${seconds}s, no crash")
done
printf '%s\n' "${summary[@]}"
