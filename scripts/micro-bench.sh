#!/usr/bin/env bash
# Instruction counts (valgrind callgrind) of rhvm and `php -n` on the small programs in
# bench/micro/: deterministic on a shared, noisy machine, so ratios can be compared across
# runs. Needs valgrind and php8.2-cli; builds nothing (run `cargo build --release` first).
#
# Usage: scripts/micro-bench.sh [NAME...]     (default: every bench/micro/*.php)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RHVM="${RHVM:-$PWD/target/release/rhvm}"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in bench/micro/*.php; do names+=("$(basename "$f" .php)"); done
fi
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/refs:/ {gsub(",", "", $NF); print $NF}'; }
base_r=$(count "$RHVM" bench/micro/empty.php)
base_p=$(count php -n bench/micro/empty.php)
printf "%-8s %14s %14s %7s   (start-up subtracted: rhvm %d, php %d)\n" program rhvm php ratio "$base_r" "$base_p"
for n in "${names[@]}"; do
    [ "$n" = empty ] && continue
    r=$(( $(count "$RHVM" "bench/micro/$n.php") - base_r ))
    p=$(( $(count php -n "bench/micro/$n.php") - base_p ))
    printf "%-8s %14d %14d %7.2f\n" "$n" "$r" "$p" "$(echo "$r / $p" | bc -l)"
done
