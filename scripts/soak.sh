#!/usr/bin/env bash
# Soak test (issue 10): `rhvm serve` on loopback under a mix of normal pages and faulty
# requests (endless loops, memory bombs, unbounded recursion, fatal errors, uncaught
# exceptions, malformed FastCGI, oversized params, abandoned requests) for N minutes,
# driven by examples/soak.rs. Prints requests served, outcomes by kind, normal pages that
# failed (must be 0), the server's RSS at the start, after the first minute, in the middle
# and at the end, a final check of 200 normal pages, /check-health, and the error-log
# lines by kind. Exit status 0 only when everything held.
#
#   scripts/soak.sh [MINUTES (default 10)] [CONNECTIONS (default 3)]
#
# Bounded: the duration, loopback only, a private temporary docroot removed at the end.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
minutes="${1:-10}"
connections="${2:-3}"

cargo build --release --quiet --bin rhvm --example soak

dir="$(mktemp -d /tmp/rhvm-soak.XXXXXX)"
mkdir "$dir/www"
log="$dir/error.log"
./target/release/rhvm serve \
    -d hhvm.server.port=0 \
    -d hhvm.admin_server.port=0 \
    -d hhvm.server.thread_count=4 \
    -d hhvm.server.request_timeout_seconds=1 \
    -d hhvm.log.access.file="$dir/access.log" \
    -d memory_limit=64M \
    -d display_errors=0 \
    2>"$log" &
pid=$!
cleanup() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

# The listeners announce themselves on stderr: `rhvm: listening on KIND 127.0.0.1:PORT`.
port_of() { sed -n "s/^rhvm: listening on $1 127\.0\.0\.1:\([0-9]*\).*/\1/p" "$log" | head -n1; }
deadline=$((SECONDS + 30))
until [[ -n "$(port_of fastcgi)" && -n "$(port_of admin)" ]]; do
    if ((SECONDS > deadline)) || ! kill -0 "$pid" 2>/dev/null; then
        echo "soak: the server did not start" >&2
        cat "$log" >&2
        exit 2
    fi
    sleep 0.2
done
fcgi_port="$(port_of fastcgi)"
admin_port="$(port_of admin)"
echo "soak: rhvm serve pid $pid, fastcgi :$fcgi_port, admin :$admin_port, $minutes min, $connections connections"

status=0
./target/release/examples/soak \
    --addr "127.0.0.1:$fcgi_port" \
    --admin "127.0.0.1:$admin_port" \
    --docroot "$dir/www" \
    --server-pid "$pid" \
    --duration "$((minutes * 60))" \
    --connections "$connections" || status=$?

echo "== error log lines by kind"
count() { grep -c -- "$1" "$log" || true; }
echo "time limit:            $(count 'Maximum execution time')"
echo "memory limit:          $(count 'Allowed memory size')"
echo "undefined function:    $(count 'Call to undefined function')"
echo "uncaught exception:    $(count 'Uncaught RuntimeException')"
echo "engine panics:         $(count 'internal error: the engine panicked')"
echo "protocol errors:       $(count 'fastcgi connection from')"
echo "other error lines:     $(grep -v -e 'Maximum execution time' -e 'Allowed memory size' \
    -e 'Call to undefined function' -e 'Uncaught RuntimeException' -e 'Stack trace:' \
    -e '^#[0-9]' -e 'thrown in' -e 'listening on' -e 'fastcgi connection from' "$log" | wc -l)"
exit "$status"
