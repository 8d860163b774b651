#!/usr/bin/env bash
# Installs what the windows leg needs on a Debian 12 machine: Wine 8 (wine64)
# to run windows/amd64 programs, and the mingw-w64 cross compiler for the C
# fixture DLLs. Then makes the Wine prefix the leg runs in, once per machine
# ($BLASCTL_WINEPREFIX, default /var/cache/blasctl/wine; flock'ed, reused):
# Wine 8.0 has no bcryptprimitives.dll, whose ProcessPrng Go's runtime needs
# at start, so a stand-in built from testdata/windows/processprng.c goes into
# the prefix's system32. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(wine64 gcc-mingw-w64-x86-64)
prefix=${BLASCTL_WINEPREFIX:-/var/cache/blasctl/wine}
wine=/usr/lib/wine/wine64

source scripts/apt.sh
sudo=$apt_sudo

apt_missing "${packages[@]}"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-windows: all ${#packages[@]} packages present"
else
  echo "install-windows: installing ${missing[*]}"
  apt_install
fi

$sudo mkdir -p "$(dirname "$prefix")"
exec 9>"$prefix.lock"
flock 9
shim=$prefix/drive_c/windows/system32/bcryptprimitives.dll
src=testdata/windows/processprng.c
stamp="$(sha256sum "$src" | cut -c1-16) $($wine --version 2>/dev/null)"
if [ -f "$prefix/.blasctl" ] && [ "$(cat "$prefix/.blasctl")" = "$stamp" ] && [ -f "$shim" ]; then
  echo "install-windows: prefix $prefix ready"
  exit 0
fi
start=$SECONDS
$sudo rm -rf "$prefix"
# No Mono or Gecko: nothing here needs .NET or a browser, and their
# installers would ask for a download.
WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" $wine wineboot --init >/dev/null 2>&1
WINEPREFIX=$prefix /usr/lib/wine/wineserver -w
x86_64-w64-mingw32-gcc -shared -O2 -o "$shim" "$src" -ladvapi32
echo "$stamp" >"$prefix/.blasctl"
echo "install-windows: made prefix $prefix in $((SECONDS - start))s"
