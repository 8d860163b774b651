#!/usr/bin/env bash
# Runs a windows/amd64 program under Wine in the prefix that
# scripts/install-windows.sh makes: the go test -exec wrapper of the windows
# leg (go test -exec scripts/wine-exec.sh). It exits with the program's exit
# code. Children the program starts are Windows processes of the same Wine
# and need no wrapper.
#
# While the program runs, this script also compiles C fixtures for it
# (internal/cfixture): a Windows process cannot run the Linux cross compiler
# and wait for it, so it leaves requests in a spool directory
# ($BLASCTL_CC_SPOOL): ID.req holds the working directory and the compiler's
# arguments, NUL-separated; the answer is ID.out (the compiler's output) and
# ID.rc (its exit status). The compiler is $BLASCTL_WINDOWS_CC, by default
# x86_64-w64-mingw32-gcc.
set -uo pipefail
export WINEPREFIX=${BLASCTL_WINEPREFIX:-/var/cache/blasctl/wine}
export WINEDEBUG=${WINEDEBUG:--all}
# Wine has builtin vcomp*.dll (MSVC's OpenMP runtime) and loads them in place
# of a file of that name, even one named by its full path: the vcomp
# fixture must be the file itself.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:+$WINEDLLOVERRIDES;}vcomp,vcomp90,vcomp100,vcomp110,vcomp120,vcomp140=n"
cc=${BLASCTL_WINDOWS_CC:-x86_64-w64-mingw32-gcc}

spool=$(mktemp -d "${TMPDIR:-/tmp}/blasctl-cc.XXXXXX")
export BLASCTL_CC_SPOOL=$spool

serve() {
  local req id args dir
  while :; do
    for req in "$spool"/*.req; do
      [ -e "$req" ] || continue
      id=${req%.req}
      mapfile -d '' args <"$req"
      rm -f "$req"
      dir=${args[0]}
      (cd "$dir" && "$cc" "${args[@]:1}") >"$id.out" 2>&1
      echo $? >"$id.rc.tmp"
      mv "$id.rc.tmp" "$id.rc"
    done
    sleep 0.05
  done
}
serve &
server=$!

/usr/lib/wine/wine64 "$@"
rc=$?
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
rm -rf "$spool"
exit $rc
