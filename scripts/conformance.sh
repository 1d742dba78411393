#!/usr/bin/env bash
# Run PHP 8.2's own .phpt tests (the public list) against the release rhvm binary.
#
# Usage: scripts/conformance.sh [DIR] [-- extra phpt.py args...]
#   DIR defaults to /tmp/php-src-tests (fetch it first with
#   scripts/get-conformance-tests.sh DIR). Anything after `--` (or any
#   argument starting with `-`) is passed to phpt.py, e.g. --show-diff,
#   --json FILE.
#
# The runner lives outside this repository, in ../shared/conformance/ (CI
# clones the repo next to a copy of `shared/`). It writes each test's code
# next to its .phpt, so DIR must be writable and not used by two runs at once.
# Exit status is phpt.py's: 0 nothing failed, 1 something failed, 2 usage.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$root"

tests_root="/tmp/php-src-tests"
if [[ $# -gt 0 && "$1" != -* ]]; then
    tests_root="$1"
    shift
fi
if [[ $# -gt 0 && "$1" == "--" ]]; then
    shift
fi

runner="../shared/conformance/phpt.py"
list="../shared/conformance/public.txt"
for needed in "$runner" "$list"; do
    if [[ ! -f "$needed" ]]; then
        echo "conformance: $needed not found (expected a shared/ directory next to the repo)" >&2
        exit 2
    fi
done
if [[ ! -d "$tests_root" ]]; then
    echo "conformance: no tests in $tests_root; run scripts/get-conformance-tests.sh $tests_root" >&2
    exit 2
fi

cargo build --release
exec python3 "$runner" --php "target/release/rhvm run" --ini pass \
    --tests-root "$tests_root" --jobs 2 "$@" "$list"
