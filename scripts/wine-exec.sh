#!/usr/bin/env bash
# Runs a windows/amd64 program under Wine in the prefix that
# scripts/install-windows.sh makes: the go test -exec wrapper of the windows
# leg (go test -exec scripts/wine-exec.sh). The program's exit code is
# Wine's. Children the program starts itself are Windows processes of the
# same Wine and need no wrapper.
export WINEPREFIX=${BLASCTL_WINEPREFIX:-/var/cache/blasctl/wine}
export WINEDEBUG=${WINEDEBUG:--all}
exec /usr/lib/wine/wine64 "$@"
