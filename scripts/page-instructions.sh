#!/usr/bin/env bash
# Instructions per web request (valgrind callgrind) of `examples/web_bench.rs` on the
# server benchmark pages: the count for N2 requests minus the count for N1, divided by
# N2 - N1, so start-up, compilation and warm-up cancel out. Deterministic on a shared,
# noisy machine, unlike requests/s. Builds nothing: run
# `cargo build --release --example web_bench` first (or pass another binary in WEB_BENCH).
#
# Usage: scripts/page-instructions.sh [PAGE.php...]   (default: ../shared/bench/www/page.php)
#        N1=100 N2=200 WEB_BENCH=/path/to/web_bench scripts/page-instructions.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${WEB_BENCH:-$PWD/target/release/examples/web_bench}
N1=${N1:-100}
N2=${N2:-200}
pages=("$@")
if [ ${#pages[@]} -eq 0 ]; then
    bench=../shared/bench
    [ -d "$bench/www" ] || bench=/work/shared/bench
    pages=("$bench/www/page.php")
fi
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" "$1" "$2" 2>&1 >/dev/null | awk '/refs:/ {gsub(",", "", $NF); print $NF}'; }
printf "%-12s %14s\n" page "instr/request"
for p in "${pages[@]}"; do
    a=$(count "$N1" "$p")
    b=$(count "$N2" "$p")
    printf "%-12s %14d\n" "$(basename "$p")" $(( (b - a) / (N2 - N1) ))
done
