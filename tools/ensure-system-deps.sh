#!/usr/bin/env bash
# Make sure the system (Debian) packages listed in the given files are present.
#
#   tools/ensure-system-deps.sh binder/apt.txt [tools/apt-test.txt ...]
#
# One package name per line; blank lines and '#' comments are ignored.
# A package counts as present if its main program is on PATH or dpkg says it is
# installed. Missing packages are installed with apt-get when running as root on
# a Debian-like system; otherwise the script stops and says what to run.
set -euo pipefail

# Package name -> program that proves it is there (default: same as the name).
program_for() {
    case "$1" in
        graphviz) echo dot ;;
        gcc-mingw-w64-x86-64-win32) echo x86_64-w64-mingw32-gcc ;;
        g++-mingw-w64-x86-64-win32) echo x86_64-w64-mingw32-g++ ;;
        *) echo "$1" ;;
    esac
}

is_present() {
    local pkg=$1
    command -v "$(program_for "$pkg")" >/dev/null 2>&1 && return 0
    command -v dpkg-query >/dev/null 2>&1 &&
        [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for list in "$@"; do
    [ -f "$list" ] || { echo "ensure-system-deps: no such file: $list" >&2; exit 2; }
    while IFS= read -r line || [ -n "$line" ]; do
        pkg=${line%%#*}
        pkg=${pkg//[[:space:]]/}
        [ -n "$pkg" ] || continue
        is_present "$pkg" || missing+=("$pkg")
    done <"$list"
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-system-deps: installing ${missing[*]} with apt-get"
    # Wait for another apt/dpkg run (e.g. unattended upgrades) to let go of the lock.
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update
    apt-get -o DPkg::Lock::Timeout=600 install -y "${missing[@]}"
    exit 0
fi

{
    echo "ensure-system-deps: missing system package(s): ${missing[*]}"
    echo "Install them, then re-run make:"
    if [ "$(uname -s)" = Darwin ]; then
        echo "    brew install ${missing[*]}"
    else
        echo "    sudo apt-get install ${missing[*]}"
    fi
} >&2
exit 1
