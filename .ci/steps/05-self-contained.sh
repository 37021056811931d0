#!/usr/bin/env bash
# The repository carries everything its tests, CI steps and docs read: nothing may reach outside
# it (a clone anywhere must pass `bash .ci/run`). Recorded data lives in tests/data/ (provenance
# in its README), reference texts in docs/reference/.
set -euo pipefail
cd "$(dirname "$0")/../.."
if git grep -n -e '\.\./shared' -- . ':!tests/data/compat/*.py' ':!.ci/steps/05-self-contained.sh'; then
    echo "error: the lines above reach outside the repository (../shared); copy what they need into tests/data/ or docs/reference/" >&2
    exit 1
fi
