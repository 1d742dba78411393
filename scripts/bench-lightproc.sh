#!/usr/bin/env bash
# Median latency of spawning `true` (a shell_exec('true') equivalent: pipe, spawn, read to
# EOF, wait) from a process whose heap holds HEAP_MB (every page touched) vs an idle one:
# through a light process, by std's posix_spawn (light_process_count = 0), and by a plain
# fork+exec of the big process.
#
# Usage: scripts/bench-lightproc.sh [HEAP_MB=2048] [ITERS=200]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
heap="${1:-2048}"
iters="${2:-200}"
cd "$root"
cargo build --release --example lightproc_bench >/dev/null
bin="$root/target/release/examples/lightproc_bench"
printf '| mode | idle heap (us) | %s MB heap (us) |\n| --- | --- | --- |\n' "$heap"
for mode in light spawn fork; do
    idle="$("$bin" bench "$mode" 0 "$iters" | awk '/median_us/ {print $2}')"
    big="$("$bin" bench "$mode" "$heap" "$iters" | awk '/median_us/ {print $2}')"
    printf '| %s | %s | %s |\n' "$mode" "$idle" "$big"
done
