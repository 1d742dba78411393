#!/usr/bin/env bash
# Re-records tests/recordings/: the requests whose replayed responses tests/record.rs
# checks against insta snapshots in snapshots/. Starts `rhvm serve --record` with the
# development HTTP listener on ../shared (so both ../shared/recipes/testdocroot and
# ../shared/bench/www are reachable), sends the requests below with curl, and rewrites the
# absolute path of ../shared in the recordings to /rhvm-shared (the test rebases it).
#
#   scripts/record-snapshots.sh
#
# After a deliberate change to a page's output: `cargo insta review` accepts the new
# snapshots; this script is only needed to change the set of requests.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "$ROOT/../shared" && pwd)
OUT=$ROOT/tests/recordings
cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
RHVM=$ROOT/target/release/rhvm

RUN=$(mktemp -d)
cleanup() {
    [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
    rm -rf "$RUN"
}
trap cleanup EXIT

"$RHVM" serve --http 127.0.0.1:0 --docroot "$SHARED" --record "$RUN/rec" \
    -d hhvm.admin_server.port= -d hhvm.repo.central.path= -d hhvm.server.thread_count=1 \
    2>"$RUN/log" &
PID=$!
PORT=
for _ in $(seq 100); do
    PORT=$(sed -n 's/^rhvm: listening on http 127.0.0.1:\([0-9]*\).*/\1/p' "$RUN/log")
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || { cat "$RUN/log" >&2; exit 1; }
BASE=http://127.0.0.1:$PORT
T=/recipes/testdocroot
W=/bench/www

# One request per line: curl arguments after the URL base is prepended to the path.
requests=(
    "$W/hello.php"
    "$W/page.php"
    "$T/headers.php?case=all"
    "$T/headers.php?case=redirect"
    "$T/headers.php?case=redirect301"
    "$T/headers.php?case=status-header"
    "$T/headers.php?case=custom-reason"
    "$T/headers.php?case=204"
    "$T/sub/page.php"
    "$T/big.php?size=100000"
    "$T/big.php?size=3000000"
    "-d a=1&b[]=2&b[]=3 $T/post.php"
    "-F f=@$SHARED/recipes/testdocroot/static.txt -F x=y $T/post.php"
    "--data-binary @$SHARED/bench/www/page.php -H Content-Type:application/octet-stream $T/post.php"
)
for r in "${requests[@]}"; do
    args=($r)
    path=${args[-1]}
    unset 'args[-1]'
    curl -s -o /dev/null "${args[@]}" "$BASE$path"
done
want=${#requests[@]}
for _ in $(seq 100); do
    [ "$(ls "$RUN/rec" | wc -l)" -ge "$want" ] && break
    sleep 0.1
done

rm -rf "$OUT"
mkdir -p "$OUT"
i=0
for f in $(ls "$RUN/rec" | sort); do
    i=$((i + 1))
    uri=$(sed -n 's/^  "uri": "\(.*\)",$/\1/p' "$RUN/rec/$f" | head -1)
    slug=$(echo "${uri#$T/}" | sed "s#^$W/##" | tr -c 'A-Za-z0-9\n' '-' | sed 's/-*$//')
    sed "s#$SHARED#/rhvm-shared#g" "$RUN/rec/$f" >"$OUT/$(printf '%02d' $i)-$slug.json"
done
echo "recorded $i requests into $OUT" >&2
