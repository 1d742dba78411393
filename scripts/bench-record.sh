#!/usr/bin/env bash
# Request recording, measured (issue 9):
#
#  1. throughput of hello.php over FastCGI (examples/fcgi_load.rs, 2 threads, keep-alive)
#     without and with recording at 100% sampling, alternated ROUNDS times in one run;
#  2. a 1,000-request run of mixed pages recorded, replayed in-process against the same
#     code (must give 0 differences), then replayed after one page changed (must report
#     exactly that page's recordings).
#
#   [NO_BUILD=1] [RHVM=BINARY] scripts/bench-record.sh [-d SECONDS] [-r ROUNDS] [-t RECORD_DIR_BASE] [-k]
#
# Recordings go under -t (default target/): creating a file costs what the file system
# makes it cost (on a busy ext4, inode allocation dominates; tmpfs is cheap), so compare
# both when the numbers matter.
set -euo pipefail

DURATION=5
ROUNDS=2
KEEP=0
BASE=
while getopts "d:r:t:kh" opt; do
    case $opt in
        d) DURATION=$OPTARG ;;
        r) ROUNDS=$OPTARG ;;
        k) KEEP=1 ;;
        t) BASE=$OPTARG ;;
        *) sed -n '2,15p' "$0"; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
SHARED=$ROOT/../shared
[ -d "$SHARED/bench/www" ] || SHARED=/work/shared
BASE=${BASE:-$ROOT/target}
mkdir -p "$BASE"
RUN=$(mktemp -d "$BASE/bench-record.XXXXXX")
PID=
cleanup() {
    [ -n "$PID" ] && stop_server
    if [ "$KEEP" = 1 ]; then echo "run directory kept: $RUN" >&2; else rm -rf "$RUN"; fi
}
trap cleanup EXIT

if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "building rhvm and fcgi_load (release)..." >&2
    (cd "$ROOT" && cargo build --release --quiet --bin rhvm --example fcgi_load)
fi
RHVM=${RHVM:-$ROOT/target/release/rhvm}
LOAD=$ROOT/target/release/examples/fcgi_load

DOCROOT=$RUN/www
mkdir -p "$DOCROOT"
cp "$SHARED/bench/www/hello.php" "$SHARED/bench/www/page.php" "$DOCROOT/"
cp -r "$SHARED/recipes/testdocroot" "$DOCROOT/t"

# start_server [extra rhvm serve args...]: sets PID and PORT.
start_server() {
    "$RHVM" serve -d hhvm.server.port=0 -d hhvm.server.thread_count=2 \
        -d hhvm.admin_server.port= -d "hhvm.repo.central.path=$RUN/repo.sqlite" \
        -d hhvm.log.level=warning "$@" 2>"$RUN/server.log" &
    PID=$!
    PORT=
    for _ in $(seq 200); do
        PORT=$(sed -n 's/^rhvm: listening on fastcgi 127.0.0.1:\([0-9]*\).*/\1/p' "$RUN/server.log")
        [ -n "$PORT" ] && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$RUN/server.log" >&2
    exit 1
}
stop_server() {
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=
}
# load SCRIPT [fcgi_load args...]: prints fcgi_load's RESULT line.
load() {
    local script=$1
    shift
    "$LOAD" --addr "127.0.0.1:$PORT" --script "$DOCROOT/$script" --uri "/$script" \
        --connections 2 --server-pid "$PID" "$@" 2>&1 | grep "^RESULT " || true
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# --- 1. throughput with and without recording ------------------------------------------
declare -a OFF ON OFF_CPU ON_CPU
for ((round = 1; round <= ROUNDS; round++)); do
    start_server
    line=$(load hello.php --duration "$DURATION" --warmup 1)
    OFF+=("$(field rps "$line")")
    OFF_CPU+=("$(field server_cpu_us_per_req "$line")")
    echo "round $round off: $line" >&2
    stop_server
    # A fresh directory per round, all removed at the end: deleting the last round's
    # tens of thousands of files just before this one would make ext4's inode allocation
    # skip "recently deleted" inodes (a bitmap scan per new file for minutes), a cost
    # of the benchmark's own clean-up, not of recording.
    start_server --record "$RUN/tp$round" -d hhvm.debug.record_max_files=10000000
    line=$(load hello.php --duration "$DURATION" --warmup 1)
    ON+=("$(field rps "$line")")
    ON_CPU+=("$(field server_cpu_us_per_req "$line")")
    echo "round $round on:  $line" >&2
    stop_server
    grep -h 'recording: .* recorded' "$RUN/server.log" | sed "s/^/  round $round: /" >>"$RUN/recstats" || true
done

# --- 2. 1,000 mixed requests recorded, then replayed -----------------------------------
start_server --record "$RUN/mixed"
load hello.php --requests 400 --warmup 0 >/dev/null
load page.php --requests 300 --warmup 0 >/dev/null
load t/big.php --query size=5000 --requests 200 --warmup 0 >/dev/null
load t/sub/page.php --requests 100 --warmup 0 >/dev/null
for _ in $(seq 200); do
    [ "$(ls "$RUN/mixed" | wc -l)" -ge 1000 ] && break
    sleep 0.05
done
stop_server
recorded=$(ls "$RUN/mixed" | wc -l)
same_code=$("$RHVM" replay --concurrency 2 "$RUN/mixed" | tail -1)
echo '<p>changed</p>' >>"$DOCROOT/page.php"
set +e
"$RHVM" replay --concurrency 2 "$RUN/mixed" >"$RUN/changed.txt"
set -e
changed=$(tail -1 "$RUN/changed.txt")
changed_pages=$(grep '^--- recorded' "$RUN/changed.txt" | wc -l)
changed_other=0
for name in $(sed -n 's/^--- recorded //p' "$RUN/changed.txt"); do
    grep -q '"uri": "/page.php"' "$RUN/mixed/$name" || changed_other=$((changed_other + 1))
done

echo
echo "recording overhead on hello.php (2 threads, 2 keep-alive connections, ${DURATION}s runs):"
for ((i = 0; i < ROUNDS; i++)); do
    awk -v a="${OFF[$i]}" -v b="${ON[$i]}" -v c="${OFF_CPU[$i]}" -v d="${ON_CPU[$i]}" -v r=$((i + 1)) \
        'BEGIN { printf "  round %d: off %.0f req/s %.1f us CPU/req, on %.0f req/s %.1f us CPU/req; on/off req/s %.3f, CPU %.3f\n", r, a, c, b, d, b / a, d / c }'
done
printf '%s\n' "${OFF[@]}" >"$RUN/off"
printf '%s\n' "${ON[@]}" >"$RUN/on"
awk 'NR == FNR { a += $1; n++; next } { b += $1 } END { printf "  mean: off %.0f, on %.0f req/s, throughput cost %.1f%%\n", a / n, b / n, 100 * (1 - b / a) }' "$RUN/off" "$RUN/on"
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
awk -v a="$(median "$RUN/off")" -v b="$(median "$RUN/on")" \
    'BEGIN { printf "  median: off %.0f, on %.0f req/s, throughput cost %.1f%%\n", a, b, 100 * (1 - b / a) }'
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$RUN/recstats" 2>/dev/null || true
echo "  recordings under: $BASE ($(df -T "$BASE" | awk 'NR == 2 { print $2 }'))"
echo "mixed run: $recorded recordings"
echo "  replay, same code:       $same_code"
echo "  replay, page.php edited: $changed"
echo "  differing recordings: $changed_pages; of them not page.php: $changed_other"
