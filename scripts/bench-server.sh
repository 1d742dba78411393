#!/usr/bin/env bash
# Side-by-side FastCGI server benchmark: php-fpm 8.2 (the reference pool from
# ../shared/bench/conf, opcache on) and `rhvm serve`, both with 2 workers, driven
# directly over FastCGI by examples/fcgi_load.rs (no web server in front), on
# hello.php and page.php from ../shared/bench/www.
#
#   scripts/bench-server.sh [-d SECONDS] [-w WARMUP] [-c CONNECTIONS] [-j WORKERS] [-k]
#
#   -d  measured seconds per run (default 10)
#   -w  warm-up seconds per run (default 2)
#   -c  concurrent keep-alive connections (default = workers: a php-fpm child serves
#       one kept connection until it closes, so more connections than children would
#       leave the extra ones waiting in the backlog)
#   -j  php-fpm children = rhvm hhvm.server.thread_count (default 2)
#   -k  keep the run directory (logs, configs) instead of deleting it
#
# Prints one table: req/s, p50/p99 latency, server CPU per request (utime+stime of the
# server and its children from /proc), and rhvm/php-fpm ratios. Everything it starts is
# stopped by PID on exit. rhvm is skipped, with a message, when the binary has no
# `serve` command yet. php-fpm 8.2 is installed with apt-get when missing and run as root.
set -euo pipefail

DURATION=10
WARMUP=2
CONNECTIONS=
WORKERS=2
KEEP=0
while getopts "d:w:c:j:kh" opt; do
    case $opt in
        d) DURATION=$OPTARG ;;
        w) WARMUP=$OPTARG ;;
        c) CONNECTIONS=$OPTARG ;;
        j) WORKERS=$OPTARG ;;
        k) KEEP=1 ;;
        *) sed -n '2,20p' "$0"; exit 2 ;;
    esac
done
CONNECTIONS=${CONNECTIONS:-$WORKERS}

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
BENCH=${RHVM_BENCH_DIR:-$ROOT/../shared/bench}
[ -d "$BENCH/conf" ] || BENCH=/work/shared/bench
for f in conf/php-fpm.conf.in conf/php-fpm-php.ini www/hello.php www/page.php; do
    [ -f "$BENCH/$f" ] || { echo "bench-server: missing $BENCH/$f" >&2; exit 2; }
done

PIDS=()
RUN=$(mktemp -d /tmp/rhvm-bench-server.XXXXXX)
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    if [ "$KEEP" = 1 ]; then
        echo "run directory kept: $RUN" >&2
    else
        rm -rf "$RUN"
    fi
}
# Stops one process we started: TERM, then KILL if it is still there after 5 s.
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until 127.0.0.1:$1 accepts connections, failing if process $2 dies or 20 s pass.
wait_port() {
    local port=$1 pid=$2 name=$3 deadline=$((SECONDS + 20))
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "bench-server: $name exited before listening; its log:" >&2
            cat "$RUN/$name.log" >&2 || true
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "bench-server: $name is not listening on port $port after 20 s" >&2
            return 1
        fi
        sleep 0.05
    done
}

echo "building rhvm and fcgi_load (release)..." >&2
(cd "$ROOT" && cargo build --release --quiet --bin rhvm --example fcgi_load)
RHVM="$ROOT/target/release/rhvm"
LOAD="$ROOT/target/release/examples/fcgi_load"

# The docroot must be traversable by php-fpm's workers (www-data when run as root).
chmod 755 "$RUN"
DOCROOT="$RUN/www"
mkdir -p "$DOCROOT"
cp "$BENCH/www/hello.php" "$BENCH/www/page.php" "$DOCROOT/"
# opcache skips files modified less than revalidate_freq (2 s) ago: age them.
touch -d '1 minute ago' "$DOCROOT"/*.php
chmod -R a+rX "$DOCROOT"
PAGES=(hello.php page.php)

declare -A RESULT   # RESULT[backend/page] = the RESULT line of fcgi_load

# Runs fcgi_load for every page against 127.0.0.1:$2, measuring the CPU of pid $3.
bench_backend() {
    local backend=$1 port=$2 pid=$3 page line
    for page in "${PAGES[@]}"; do
        echo "== $backend $page" >&2
        if ! "$LOAD" --addr "127.0.0.1:$port" --script "$DOCROOT/$page" \
            --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" \
            --server-pid "$pid" >"$RUN/$backend-$page.txt" 2>&1; then
            echo "bench-server: fcgi_load failed against $backend:" >&2
        fi
        cat "$RUN/$backend-$page.txt" >&2
        line=$(grep '^RESULT ' "$RUN/$backend-$page.txt" || true)
        RESULT[$backend/$page]=$line
    done
}

# --- php-fpm 8.2 ---------------------------------------------------------------------
FPM=$(command -v php-fpm8.2 || true)
if [ -z "$FPM" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "php-fpm8.2 missing: apt-get install -y php8.2-fpm" >&2
        apt-get install -y php8.2-fpm >"$RUN/apt.log" 2>&1 || { cat "$RUN/apt.log" >&2; exit 1; }
        FPM=$(command -v php-fpm8.2 || echo /usr/sbin/php-fpm8.2)
    else
        echo "bench-server: php-fpm8.2 not found (apt-get install -y php8.2-fpm)" >&2
        exit 1
    fi
fi
FPM_PORT=$(free_port)
USERLINES=
if [ "$(id -u)" = 0 ]; then USERLINES='user = www-data\ngroup = www-data'; fi
sed -e "s|@RUNDIR@|$RUN|g" -e "s|@CHILDREN@|$WORKERS|g" \
    -e "s|@FPM_ADDR@|127.0.0.1:$FPM_PORT|g" -e "s|@USERLINES@|$USERLINES|g" \
    "$BENCH/conf/php-fpm.conf.in" >"$RUN/php-fpm.conf"
PHP_INI_SCAN_DIR= "$FPM" -F -y "$RUN/php-fpm.conf" -c "$BENCH/conf/php-fpm-php.ini" \
    >"$RUN/php-fpm.log" 2>&1 &
FPM_PID=$!
PIDS+=("$FPM_PID")
wait_port "$FPM_PORT" "$FPM_PID" php-fpm
bench_backend php-fpm "$FPM_PORT" "$FPM_PID"
stop_pid "$FPM_PID"

# --- rhvm serve ----------------------------------------------------------------------
HAVE_RHVM=0
if "$RHVM" serve --help >/dev/null 2>&1; then
    HAVE_RHVM=1
    RHVM_PORT=$(free_port)
    ADMIN_PORT=$(free_port)
    "$RHVM" serve -d "hhvm.server.port=$RHVM_PORT" -d "hhvm.server.thread_count=$WORKERS" \
        -d "hhvm.admin_server.port=$ADMIN_PORT" -d "hhvm.server.source_root=$DOCROOT" \
        >"$RUN/rhvm.log" 2>&1 &
    RHVM_PID=$!
    PIDS+=("$RHVM_PID")
    wait_port "$RHVM_PORT" "$RHVM_PID" rhvm
    bench_backend rhvm "$RHVM_PORT" "$RHVM_PID"
    stop_pid "$RHVM_PID"
else
    echo "bench-server: '$RHVM serve' is not available yet; skipping rhvm" >&2
fi

# --- the table -----------------------------------------------------------------------
# field NAME LINE: the value of NAME=... in a RESULT line ("-" when absent).
field() {
    local v
    v=$(sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2")
    echo "${v:--}"
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}
echo
echo "FastCGI server benchmark: $WORKERS workers, $CONNECTIONS keep-alive connections, ${DURATION}s per run after ${WARMUP}s warm-up"
printf '%-10s %-8s %10s %9s %9s %12s %7s\n' page backend 'req/s' 'p50 us' 'p99 us' 'CPU us/req' errors
for page in "${PAGES[@]}"; do
    for backend in php-fpm rhvm; do
        [ "$backend" = rhvm ] && [ "$HAVE_RHVM" = 0 ] && continue
        line=${RESULT[$backend/$page]:-}
        printf '%-10s %-8s %10s %9s %9s %12s %7s\n' "$page" "$backend" \
            "$(field rps "$line")" "$(field p50_us "$line")" "$(field p99_us "$line")" \
            "$(field server_cpu_us_per_req "$line")" "$(field errors "$line")"
    done
    if [ "$HAVE_RHVM" = 1 ]; then
        f=${RESULT[php-fpm/$page]:-}
        r=${RESULT[rhvm/$page]:-}
        printf '%-10s %-8s %10s %9s %9s %12s\n' "$page" 'rhvm/fpm' \
            "$(ratio "$(field rps "$r")" "$(field rps "$f")")" \
            "$(ratio "$(field p50_us "$r")" "$(field p50_us "$f")")" \
            "$(ratio "$(field p99_us "$r")" "$(field p99_us "$f")")" \
            "$(ratio "$(field server_cpu_us_per_req "$r")" "$(field server_cpu_us_per_req "$f")")"
    fi
done
[ "$HAVE_RHVM" = 1 ] || echo "(rhvm skipped: no 'rhvm serve' in this build)"
