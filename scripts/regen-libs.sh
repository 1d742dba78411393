#!/usr/bin/env bash
# Regenerate the expected outputs of the library corpus (tests/libs/) from real PHP 8.2.
#
# Usage: scripts/regen-libs.sh [FILE.php...]
#   With no argument every case (tests/libs/<library>/*.php) is regenerated.
#
# Each case NAME.php gets NAME.out (stdout and stderr merged) and NAME.status (only when
# the exit status is non-zero), exactly like scripts/regen-fixtures.sh, with the oracle
#   php -n -d extension=ctype -d extension=mbstring -d extension=iconv
#       -d display_errors=1 -d log_errors=0 -d include_path=LIBS /ABS/tests/libs/LIB/NAME.php
# run in the case's directory. LIBS is $RHVM_PHP_LIBS or what scripts/fetch-php-libs.sh
# unpacked (Debian's packages, unchanged). In the output the repository root becomes
# %ROOT%/ and LIBS becomes %LIBS%/ (tests/libs.rs does the same), so outputs do not
# depend on where either lives.
set -euo pipefail

PHP="${PHP:-php}"
version_line="$("$PHP" -n --version | head -n 1)"
if [[ ! "$version_line" =~ ^PHP\ 8\.2\. ]]; then
    echo "regen-libs: refusing to run: need PHP 8.2.x, found: $version_line" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
corpus="$root/tests/libs"
libs="${RHVM_PHP_LIBS:-$("$root/scripts/fetch-php-libs.sh" | tail -n 1)}"
libs="$(cd "$libs" && pwd -P)"

# The extensions the oracle needs, each loaded only if `php -n` lacks it (Debian builds
# them as shared modules; other builds may have them compiled in).
exts=()
for e in ctype mbstring iconv; do
    if ! "$PHP" -n -m | grep -qx "$e"; then
        exts+=(-d "extension=$e")
    fi
done

files=()
if [[ $# -eq 0 ]]; then
    while IFS= read -r -d '' f; do
        files+=("$f")
    done < <(find "$corpus" -mindepth 2 -maxdepth 2 -type f -name '*.php' -print0 | sort -z)
else
    for f in "$@"; do
        files+=("$(cd "$(dirname "$f")" && pwd -P)/$(basename "$f")")
    done
fi

normalise='echo str_replace([$argv[1], $argv[2]], ["%LIBS%/", "%ROOT%/"], stream_get_contents(STDIN));'
count=0
for f in "${files[@]}"; do
    base="${f%.php}"
    status=0
    (cd "$(dirname "$f")" && "$PHP" -n "${exts[@]}" -d display_errors=1 -d log_errors=0 \
        -d include_path="$libs" "$f" </dev/null) >"$base.out.raw" 2>&1 || status=$?
    "$PHP" -n -r "$normalise" "$libs/" "$root/" <"$base.out.raw" >"$base.out"
    rm -f "$base.out.raw"
    if [[ $status -ne 0 ]]; then
        echo "$status" >"$base.status"
    else
        rm -f "$base.status"
    fi
    count=$((count + 1))
done
echo "regen-libs: regenerated $count case(s) with $version_line"
