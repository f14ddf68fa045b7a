#!/usr/bin/env bash
# Install what suqiu needs from Debian's packages, only what is missing, without asking.
# Run by `make run`, `make check` and `make bench` before anything else.
set -euo pipefail
. "$(dirname "$0")/common.sh"

PACKAGES=(
    build-essential pkg-config
    libzmq3-dev libczmq-dev libpq-dev libyaml-dev libjansson-dev libmicrohttpd-dev libcsv-dev zlib1g-dev libxml2-dev libssl-dev libsodium-dev libcurl4-openssl-dev libgmime-3.0-dev check
    postgresql postgresql-contrib s6 systemd
    python3 python3-zmq python3-cryptography curl wrk valgrind
    swaks mutt s-nail
    chromium fonts-wqy-microhei
)

missing=()
for package in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$package")
done
# Node.js and npm drive the browser tests; a machine may have them from elsewhere than Debian
# (with npm inside the nodejs package): only when the commands are missing are Debian's taken.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

say "installing missing packages: ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
    die "not root: run as root, or install them yourself: apt-get install ${missing[*]}"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null || die "apt-get update failed"
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >"${TMPDIR:-/tmp}/suqiu-apt.log" 2>&1 \
    || { tail -n 20 "${TMPDIR:-/tmp}/suqiu-apt.log" >&2; die "apt-get install failed (full log: ${TMPDIR:-/tmp}/suqiu-apt.log)"; }
# Debian starts a system cluster on install; suqiu uses its own, so leave the system one alone.
say "packages installed"
