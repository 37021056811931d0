#!/usr/bin/env bash
# The Node.js/TypeScript package (node/): `node --check` of every file, then its tests (node --test)
# against the real @zohocrm/nodejs-sdk-8.0 and @zohocrm/typescript-sdk-8.0 from the committed
# lockfile (npm ci) and the debug `tokenvault` binary of this workspace, then the tarball's
# contents (npm pack --dry-run). Writes only node/node_modules (ignored) and target/.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Node >= 18.18 with npm (Debian: nodejs npm).
if ! command -v node >/dev/null || ! command -v npm >/dev/null \
    || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>18||(a===18&&b>=18)?0:1)'; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
node --version

cargo build -q -p tokenvault-cli
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
export TOKENVAULT_BIN="$target_dir/debug/tokenvault"
test -x "$TOKENVAULT_BIN"

cd node
shopt -s nullglob
npm ci --no-audit --no-fund
for f in index.js typescript.js lib/*.js test/*.mjs test/*/*.mjs bench/*.mjs; do
    node --check "$f"
done
npm test

# The tarball: exactly the package's files, no tests, data or node_modules.
files=$(npm pack --dry-run --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].files.map(f=>f.path).sort().join(" ")))')
expected="README.md index.d.ts index.js lib/adapter.js lib/client.d.ts lib/client.js package.json typescript.d.ts typescript.js"
if [[ "$files" != "$expected" ]]; then
    echo "error: npm pack would ship: $files (expected: $expected)" >&2
    exit 1
fi
