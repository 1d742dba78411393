#!/usr/bin/env bash
# apc_fetch of a small array in a loop: rhvm vs PHP 8.2 with APCu in the CLI, side by side
# in one run (wall time, best of RUNS), plus callgrind instruction counts for a smaller N
# (deterministic on a noisy machine). Needs php8.2-cli, php8.2-apcu and valgrind.
#
# Usage: scripts/bench-apc.sh [N] [RUNS]      (default N=1000000, RUNS=3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-1000000}"
RUNS="${2:-3}"
RHVM=(target/release/rhvm run -d apc.enable_cli=1)
PHP=(php -n -d extension=apcu -d apc.enable_cli=1)
best() {
    local best=""
    for _ in $(seq "$RUNS"); do
        local s e t
        s=$(date +%s.%N)
        "$@" bench/apc/fetch.php "$N" >/dev/null
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        if [[ -z "$best" ]] || (($(echo "$t < $best" | bc -l))); then best=$t; fi
    done
    echo "$best"
}
[[ "$("${RHVM[@]}" bench/apc/fetch.php 1000)" == "$("${PHP[@]}" bench/apc/fetch.php 1000)" ]] || {
    echo "bench-apc: outputs differ" >&2
    exit 1
}
r=$(best "${RHVM[@]}")
p=$(best "${PHP[@]}")
printf "apc_fetch x %d   rhvm %.3fs   php+apcu %.3fs   ratio %.2f\n" "$N" "$r" "$p" "$(echo "$r / $p" | bc -l)"
if command -v valgrind >/dev/null; then
    count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" bench/apc/fetch.php 20000 2>&1 >/dev/null | awk '/refs:/ {gsub(",", "", $NF); print $NF}'; }
    ri=$(count "${RHVM[@]}")
    pi=$(count "${PHP[@]}")
    printf "instructions, N=20000: rhvm %d   php+apcu %d   ratio %.2f\n" "$ri" "$pi" "$(echo "$ri / $pi" | bc -l)"
fi
