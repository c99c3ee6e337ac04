#!/bin/sh
# Install what building, running and testing Petrel needs, from Debian packages only.
#
#   tools/setup.sh          install what is missing (as root), or print the apt-get
#                           line to run and fail (as another user)
#   tools/setup.sh --list   print the package list
#
# Every tool the Makefile, the launcher and the test suite use is named here; CI starts
# from a fresh Debian 12 machine, so a package missing from this list breaks CI.
set -eu

PACKAGES="
    make gcc libc6-dev binutils nasm python3
    qemu-system-x86
    bochs bochsbios vgabios
    grub-pc-bin grub-common xorriso mtools
    libcmocka-dev libcapstone-dev clang libclang-rt-14-dev
"

if [ "${1:-}" = "--list" ]; then
    echo $PACKAGES
    exit 0
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "setup: these Debian packages are missing:$missing" >&2
    echo "setup: install them with:" >&2
    echo "    sudo apt-get install -y$missing" >&2
    exit 1
fi

echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || echo "setup: apt-get update failed; trying the cached package lists" >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
