#!/usr/bin/env bash
# Real-library benchmarks, rhvm and PHP 8.2 (with opcache) side by side in one run:
# Parsedown and league/commonmark on the corpus's 1 MB Markdown document, and Twig
# rendering a 1,000-row page 1,000 times from a warm template cache (bench/libs/*.php).
#
# Usage: scripts/bench-libs.sh [PARSEDOWN_N COMMONMARK_N TWIG_N]   (defaults 3 1 1000)
# RHVM_BIN=path runs another rhvm binary (an older build, for before/after numbers).
# Needs a release build and the libraries (scripts/fetch-php-libs.sh). Prints one line per
# engine and benchmark: the in-script time of the timed loop (document generation and the
# first, cache-filling Twig render excluded) and a checksum that must agree between engines.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
libs="${RHVM_PHP_LIBS:-$("$root/scripts/fetch-php-libs.sh" | tail -n 1)}"
rhvm="${RHVM_BIN:-$root/target/release/rhvm}"
pd_n="${1:-3}"
cm_n="${2:-1}"
tw_n="${3:-1000}"

exts=()
for e in ctype mbstring iconv; do
    if ! php -n -m | grep -qx "$e"; then
        exts+=(-d "extension=$e")
    fi
done
php_cmd=(php -n "${exts[@]}" -d zend_extension=opcache -d opcache.enable_cli=1
    -d memory_limit=1G -d include_path="$libs")
rhvm_cmd=("$rhvm" run -d memory_limit=1G -d include_path="$libs")

echo "== $(php -n --version | head -n 1) with opcache; rhvm $(git -C "$root" rev-parse --short HEAD)"
for b in "parsedown $pd_n" "commonmark $cm_n" "twig $tw_n"; do
    set -- $b
    for engine in php rhvm; do
        if [[ $engine == php ]]; then cmd=("${php_cmd[@]}"); else cmd=("${rhvm_cmd[@]}"); fi
        printf '%-5s ' "$engine"
        "${cmd[@]}" "$root/bench/libs/$1.php" "$2" 2>&1 | tail -n 3 || echo "($engine failed)"
    done
done
