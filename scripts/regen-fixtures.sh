#!/usr/bin/env bash
# Regenerate the expected outputs of the fixture corpus from real PHP 8.2.
#
# Usage: scripts/regen-fixtures.sh [FILE...]
#   With no argument every tests/fixtures/**/*.php is regenerated (files under
#   an `inc/` directory are helpers for include fixtures and are skipped);
#   otherwise only the given .php files (any path form) are.
#
# For each fixture NAME.php this writes:
#   NAME.out     stdout and stderr merged into one stream (`2>&1`, so the
#                interleaving is the real one), byte for byte, after path
#                normalisation (below);
#   NAME.status  PHP's exit status as one integer, ONLY when it is non-zero;
#                a stale NAME.status is deleted when the status is 0.
#
# Command (the oracle; rhvm's `run` must behave the same):
#   php -n -d display_errors=1 -d log_errors=0 /ABS/tests/fixtures/AREA/NAME.php
#
# An area directory may hold a `fixture.ini` (one `key=value` per line, `;`
# comments): each line is passed as `-d key=value` to PHP here and to rhvm by
# the harness (e.g. `extension=apcu` and `apc.enable_cli=1` for tests/fixtures/apc).
#
# Path convention (the test harness tests/fixtures.rs does exactly the same):
#   * the working directory is the fixture's own directory;
#   * the script is given by its ABSOLUTE path, built from the physical
#     (symlink-free, `pwd -P`) repository root, so the path PHP prints for the
#     main script and the resolved paths it prints for __FILE__, __DIR__ and
#     included files all share one prefix;
#   * every occurrence of "<repository root>/" in the output is replaced by
#     the literal token "%ROOT%/" before the .out file is written, so outputs
#     do not depend on where the repository is checked out.
#
# Expected outputs are never written by hand: edit the .php, run this script,
# review the diff of the .out with git.
set -euo pipefail

PHP="${PHP:-php}"
version_line="$("$PHP" -n --version | head -n 1)"
if [[ ! "$version_line" =~ ^PHP\ 8\.2\. ]]; then
    echo "regen-fixtures: refusing to run: need PHP 8.2.x, found: $version_line" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
fixtures="$root/tests/fixtures"

files=()
if [[ $# -eq 0 ]]; then
    while IFS= read -r -d '' f; do
        files+=("$f")
    done < <(find "$fixtures" -type d -name inc -prune -o -type f -name '*.php' -print0 | sort -z)
else
    for f in "$@"; do
        if [[ ! -f "$f" || "$f" != *.php ]]; then
            echo "regen-fixtures: not a .php file: $f" >&2
            exit 2
        fi
        files+=("$(cd "$(dirname "$f")" && pwd -P)/$(basename "$f")")
    done
fi

# Byte-exact prefix replacement (bash strings cannot hold NUL bytes, and sed
# would need the root escaped); PHP is at hand anyway.
normalise='echo str_replace($argv[1], "%ROOT%/", stream_get_contents(STDIN));'

count=0
for f in "${files[@]}"; do
    case "$f" in
        "$fixtures"/*) ;;
        *) echo "regen-fixtures: not under tests/fixtures: $f" >&2; exit 2 ;;
    esac
    base="${f%.php}"
    status=0
    # An area's fixture.ini lists extra settings (`key=value` per line) for PHP and rhvm.
    extra=()
    if [[ -f "$(dirname "$f")/fixture.ini" ]]; then
        while IFS= read -r line; do
            [[ -z "$line" || "$line" == \;* ]] && continue
            extra+=(-d "$line")
        done <"$(dirname "$f")/fixture.ini"
    fi
    (cd "$(dirname "$f")" && "$PHP" -n -d display_errors=1 -d log_errors=0 "${extra[@]}" "$f" </dev/null) \
        >"$base.out.raw" 2>&1 || status=$?
    "$PHP" -n -r "$normalise" "$root/" <"$base.out.raw" >"$base.out"
    rm -f "$base.out.raw"
    if [[ $status -ne 0 ]]; then
        echo "$status" >"$base.status"
    else
        rm -f "$base.status"
    fi
    count=$((count + 1))
done
echo "regen-fixtures: regenerated $count fixture(s) with $version_line"
