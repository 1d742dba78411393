#!/usr/bin/env bash
# Fetch PHP 8.2's own .phpt tests (the conformance corpus) into DIR.
#
# Usage: scripts/get-conformance-tests.sh [DIR]      (default /tmp/php-src-tests)
#
# The tests are not vendored: they come from the upstream php-8.2.32 tarball
# inside Debian bookworm's source package `php8.2`, exactly as
# ../shared/conformance/README.md describes. The tarball's sha256 is checked
# before anything is extracted. Idempotent: when DIR already holds a complete
# extraction (marker file DIR/.rhvm-conformance-complete) nothing is done.
#
# Needs root (or sudo) the first time, to add a deb-src line and run
# `apt-get update`; after that only `apt-get source --download-only` runs.
set -euo pipefail

TESTS_ROOT="${1:-/tmp/php-src-tests}"
PKG_VERSION="8.2.32-1~deb12u1"
TARBALL="php8.2_8.2.32.orig.tar.xz"
SHA256="e02aa173c236c12791696254d607da680e6d5516f8f5c2339642de7c4f944bd2"
MARKER="$TESTS_ROOT/.rhvm-conformance-complete"

if [[ -f "$MARKER" ]]; then
    echo "conformance tests already in $TESTS_ROOT (remove it to fetch again)"
    exit 0
fi

SUDO=""
if [[ "$(id -u)" != 0 ]]; then
    SUDO="sudo"
fi

SRC_LIST=/etc/apt/sources.list.d/debian-src.sources
if [[ ! -f "$SRC_LIST" ]]; then
    echo "adding deb-src sources in $SRC_LIST"
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        | $SUDO tee "$SRC_LIST" >/dev/null
    $SUDO apt-get update
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(
    cd "$WORK"
    # --download-only: we need the upstream tarball, not a patched tree.
    apt-get source --download-only "php8.2=$PKG_VERSION"
)

echo "$SHA256  $WORK/$TARBALL" | sha256sum --check --strict -

rm -rf "$TESTS_ROOT"
mkdir -p "$TESTS_ROOT"
tar -xJf "$WORK/$TARBALL" -C "$TESTS_ROOT" --strip-components=1 \
    php-8.2.32/tests php-8.2.32/Zend/tests php-8.2.32/ext/standard/tests \
    php-8.2.32/ext/pcre/tests php-8.2.32/ext/json/tests php-8.2.32/ext/ctype/tests
touch "$MARKER"
echo "conformance tests extracted into $TESTS_ROOT ($(find "$TESTS_ROOT" -name '*.phpt' | wc -l) .phpt files)"
