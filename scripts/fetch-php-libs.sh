#!/usr/bin/env bash
# Fetch the PHP libraries of the library corpus (tests/libs/) from Debian, unchanged.
#
# Usage: scripts/fetch-php-libs.sh [DEST]
#   DEST defaults to target/php-libs under the repository root. The packages are
#   downloaded with `apt-get download` (no installation, no root needed beyond an
#   up-to-date package list) and unpacked with `dpkg -x` into DEST/root, so the
#   libraries land in DEST/root/usr/share/php, each with its autoload.php.
#   Prints that directory on its last line.
#
# Used by .ci/run and by developers; tests/libs.rs looks for the libraries in
# $RHVM_PHP_LIBS or, by default, in target/php-libs/root/usr/share/php.
# Re-running is cheap: packages already unpacked (DEST/stamp lists them) are skipped.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
dest="${1:-$root/target/php-libs}"

# Parsedown, Twig and league/commonmark, and what commonmark needs.
packages=(
    php-parsedown
    php-twig
    php-league-commonmark
    php-league-config
    php-psr-event-dispatcher
    php-symfony-deprecation-contracts
    php-dflydev-dot-access-data
    php-nette-schema
    php-nette-utils
)

want="${packages[*]}"
if [[ -f "$dest/stamp" && "$(cat "$dest/stamp")" == "$want" && -f "$dest/root/usr/share/php/Twig/autoload.php" ]]; then
    echo "$dest/root/usr/share/php"
    exit 0
fi

for tool in apt-get dpkg; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fetch-php-libs: $tool is needed (a Debian or Ubuntu system)" >&2
        exit 1
    fi
done

mkdir -p "$dest/debs"
rm -rf "$dest/root"
mkdir -p "$dest/root"
cd "$dest/debs"
rm -f ./*.deb
if ! apt-get download "${packages[@]}" >/dev/null 2>"$dest/apt.err"; then
    # A fresh machine may have no package lists yet.
    if [[ $(id -u) == 0 ]]; then
        apt-get update -qq
        apt-get download "${packages[@]}" >/dev/null
    else
        cat "$dest/apt.err" >&2
        echo "fetch-php-libs: apt-get download failed; run 'apt-get update' (as root) first" >&2
        exit 1
    fi
fi
for deb in ./*.deb; do
    dpkg -x "$deb" "$dest/root"
done
echo "$want" >"$dest/stamp"
echo "$dest/root/usr/share/php"
