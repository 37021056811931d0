#!/usr/bin/env bash
# Benchmark smoke run: builds the comparison suite (benches/compare, its own workspace) and runs
# it in quick mode (200 tokens, short timings), which also checks that every store answers every
# lookup the same way before it is timed. SQLCipher is skipped here: its build compiles OpenSSL
# (several minutes); `benches/run.sh` runs it. Then the key-slot benchmark (benches/slots/run.py)
# in smoke mode: 200 tokens, a test-grade KDF, the suite's own build of the command (so nothing
# more is built), every lookup checked; a few seconds. No timing is asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
report=$(bash benches/run.sh --quick --no-sqlcipher)
echo "$report"
for table in "find_token\` by user name" "save_token\`, one durable" "8 threads" "get_tokens" "open + unlock" "Bytes on disk"; do
    grep -q "$table" <<<"$report" || { echo "benchmark report lacks: $table" >&2; exit 1; }
done
slots=$(python3 benches/slots/run.py --smoke)
echo "$slots"
for table in "Open + first lookup" "processes started at once"; do
    grep -q "$table" <<<"$slots" || { echo "key-slot benchmark report lacks: $table" >&2; exit 1; }
done
