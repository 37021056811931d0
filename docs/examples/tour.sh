#!/usr/bin/env bash
# Replays the README's CLI tour in a scratch directory and prints each command with its real
# output (stdout and stderr). Run from the repository root: bash docs/examples/tour.sh
set -uo pipefail
root=$(pwd)
cargo build -q --bin tokenvault
bin="$root/target/debug/tokenvault"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/docs/examples"
cp "$root/docs/examples/sdk_tokens.txt" "$scratch/docs/examples/"
cd "$scratch"
tokenvault() { "$bin" "$@"; }
export NO_COLOR=1
run() {
    echo "\$ $1"
    eval "$1" 2>&1
    echo
}
export TOKENVAULT_PASSPHRASE=demo
run 'tokenvault import --create docs/examples/sdk_tokens.txt'
run 'tokenvault list'
run 'tokenvault get 1'
run "echo '{\"user_name\": \"bob@zylker.eu\"}' | tokenvault find --explain"
run "echo '{\"access_token\": \"1000.demo.access.ann\"}' | tokenvault --json find"
run "echo '{\"user_name\": \"cy@zylker.com\", \"grant_token\": \"1000.demo.grant.cy\"}' | tokenvault save"
run 'tokenvault list --reveal'
run 'tokenvault info'
run 'tokenvault verify'
run 'tokenvault slot add --new-key-file worker.key --generate --name worker'
run 'tokenvault slot list'
run 'TOKENVAULT_KEY_FILE=worker.key tokenvault get 2 | head -2'
run 'tokenvault export sdk_tokens.back.txt && ls -l sdk_tokens.back.txt | cut -c1-10'
run 'tokenvault get 9; echo "exit $?"'
run 'TOKENVAULT_PASSPHRASE=wrong tokenvault list; echo "exit $?"'
run 'tokenvault import docs/examples/sdk_tokens.txt'
run "printf 'id,user_name\\r\\n1\\r\\n' > broken.txt && tokenvault import broken.txt; echo \"exit \$?\""
