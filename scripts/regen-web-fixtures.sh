#!/usr/bin/env bash
# Records what php-fpm 8.2 answers for each web fixture (tests/web/NAME.req + NAME.php):
# NAME.out is the raw CGI response (Status line, headers, blank line, body) and NAME.err
# what php-fpm sent on FCGI_STDERR. tests/web.rs replays the .req through WebEngine and
# compares. Needs php-fpm8.2 (apt-get install php8.2-fpm) and python3.
#
# usage: scripts/regen-web-fixtures.sh [tests/web/NAME.req ...]   (default: all)
#
# php-fpm runs without php.ini (-n) with expose_php=0 and log_errors=1 (rhvm's web
# defaults), plus the fixture's `ini` lines; one fresh php-fpm per fixture, so ini values
# of one fixture never leak into the next.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
dir="$root/tests/web"
fpm=${PHP_FPM:-php-fpm8.2}
command -v "$fpm" >/dev/null || { echo "regen-web-fixtures: $fpm not found" >&2; exit 1; }
"$fpm" -n -v | grep -q '^PHP 8\.2\.' || { echo "regen-web-fixtures: need PHP 8.2 php-fpm" >&2; exit 1; }
work=$(mktemp -d)
fpm_pid=
# REGEN_KEEP=1 keeps the work directory (php-fpm configs and logs) for debugging.
cleanup() {
  [ -n "$fpm_pid" ] && kill "$fpm_pid" 2>/dev/null; wait 2>/dev/null
  if [ -n "${REGEN_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
if [ $# -eq 0 ]; then set -- "$dir"/*.req; fi
for req in "$@"; do
  req=$(cd "$(dirname "$req")" && pwd -P)/$(basename "$req")
  name=${req%.req}
  inis=()
  while IFS= read -r line; do
    case "$line" in ini\ *) inis+=(-d "${line#ini }");; esac
  done < "$req"
  n=$((${n:-0} + 1)); sock="$work/fpm$n.sock"
  cat > "$work/fpm.conf" <<CONF
[global]
error_log = $work/fpm$n.log
daemonize = no
[www]
listen = $sock
pm = static
pm.max_children = 1
CONF
  "$fpm" -n -R -y "$work/fpm.conf" -F -d expose_php=0 -d log_errors=1 "${inis[@]}" >"$work/fpm.out" 2>&1 &
  fpm_pid=$!
  for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
  python3 "$root/scripts/fcgi-request.py" "$sock" "$req" "$dir" "$name.err" > "$name.out" ||
    python3 "$root/scripts/fcgi-request.py" "$sock" "$req" "$dir" "$name.err" > "$name.out"
  kill "$fpm_pid"; wait "$fpm_pid" 2>/dev/null || true; fpm_pid=
  # Recorded outputs must not depend on where the repository is checked out.
  for f in "$name.out" "$name.err"; do
    [ -f "$f" ] && python3 -c 'import sys; p, d = sys.argv[1], sys.argv[2].encode(); b = open(p, "rb").read(); open(p, "wb").write(b.replace(d, b"%DIR%"))' "$f" "$dir"
  done
  echo "regenerated ${name#$root/}"
done
