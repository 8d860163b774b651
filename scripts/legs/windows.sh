#!/usr/bin/env bash
# Leg windows: windows/amd64, built without cgo and run under Wine 8 on this
# Linux machine (scripts/install-windows.sh: wine64, the mingw-w64 cross
# compiler, and a Wine prefix with a ProcessPrng stand-in, once per machine
# under /var/cache/blasctl/wine). go test runs the test binaries through
# scripts/wine-exec.sh, which also compiles the C fixtures as DLLs with mingw
# for them; children of a test binary are Windows processes of the same Wine.
# Debian ships no Windows BLAS: the real library is GCC's libgomp-1.dll from
# the mingw toolchain, every other row a fixture DLL under its Windows name.
# Vet and staticcheck of the windows build (also cmd/blasctl), the library's
# tests (the same semantic suite as the Linux legs: real-library and fixture
# rows, faults, never-loads, stress), allocations of a warm scope, and
# blasctl info and exec built for Windows.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/legs/lib.sh

leg_begin windows
check "install-windows" bash scripts/install-windows.sh
export GOOS=windows GOARCH=amd64 CGO_ENABLED=0
export BLASCTL_WINEPREFIX=${BLASCTL_WINEPREFIX:-/var/cache/blasctl/wine}
mingw='Z:\usr\lib\gcc\x86_64-w64-mingw32\12-win32'
# Where Windows finds the fixtures' imports (libgomp-1.dll, libgcc_s_seh-1.dll,
# libwinpthread-1.dll): Wine puts WINEPATH before PATH.
export WINEPATH="$mingw;"'Z:\usr\x86_64-w64-mingw32\lib'
wine_exec=$PWD/scripts/wine-exec.sh
# A real OpenBLAS DLL, where scripts/build-openblas-windows.sh built one on
# this machine (it takes too long to build in CI): a row of its own.
openblas_dll=${BLASCTL_WINDOWS_OPENBLAS_DIR:-/var/cache/blasctl/openblas-windows}/libopenblas.dll
if [ -f "$openblas_dll" ]; then
  export BLASCTL_WINDOWS_OPENBLAS="Z:${openblas_dll//\//\\}"
  echo "      real OpenBLAS row: $openblas_dll"
else
  echo "      no real OpenBLAS row: $openblas_dll not built (scripts/build-openblas-windows.sh)"
fi
bins=$(mktemp -d "${TMPDIR:-/tmp}/blasctl-windows.XXXXXX")
cleanup() {
  rm -rf "$bins"
  # The wineserver this leg started would linger a few seconds.
  WINEPREFIX=$BLASCTL_WINEPREFIX /usr/lib/wine/wineserver -k 2>/dev/null || true
}
trap cleanup EXIT

check "go vet (windows)" go vet ./...
check "go vet cmd/blasctl (windows)" go -C cmd/blasctl vet ./...
staticcheck_windows() {
  env -u GOOS -u GOARCH GOBIN="$bins" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2 &&
    "$bins/staticcheck" ./... && (cd cmd/blasctl && "$bins/staticcheck" ./...)
}
check "staticcheck (windows)" staticcheck_windows
gotest "go test under Wine (windows)" go test -exec "$wine_exec" -count=1 -timeout 20m -v \
  -skip '^TestStress$' . ./internal/... ./blasctltest ./maxprocs ./automaxprocs
gotest "stress 64x2000 under Wine (windows)" env BLASCTL_STRESS=64x2000 \
  go test -exec "$wine_exec" -count=1 -timeout 10m -v -run '^TestStress$' .

# A warm WithThreads on the real libgomp: BenchmarkWithThreads (package-level,
# snapshot, BLAS only) must report 0 allocs/op on every line.
warm_allocs() {
  local out
  go test -c -o "$bins/blasctl.test.exe" . || return 1
  out=$(BLASCTL_BENCH_BUILD=libgomp "$wine_exec" "$bins/blasctl.test.exe" -test.run '^$' \
    -test.bench '^BenchmarkWithThreads$' -test.benchtime 5000x -test.benchmem 2>&1) || { echo "$out"; return 1; }
  echo "$out"
  [ "$(grep -c ' allocs/op' <<<"$out")" = 3 ] || { echo "want 3 benchmark lines"; return 1; }
  ! grep ' allocs/op' <<<"$out" | grep -vq '[^0-9]0 allocs/op'
}
check "warm WithThreads allocations (windows)" warm_allocs
grep -h ' allocs/op' "$(leg_log "warm WithThreads allocations (windows)")" | sed 's/^/      /' || true

# blasctl built for Windows: info -load with a DLL path and with a bare name
# found on the DLL search path, and exec, which starts the program and
# forwards its exit code.
blasctl_windows() {
  local out rc
  go -C cmd/blasctl build -o "$bins/blasctl.exe" . || return 1
  x86_64-w64-mingw32-gcc -shared -O1 -o "$bins/libopenblas.dll" testdata/faults/fault.c || return 1
  out=$("$wine_exec" "$bins/blasctl.exe" info -json -load "$mingw\\libgomp-1.dll" -load "$bins/libopenblas.dll") || return 1
  echo "$out"
  grep -q '"threading_layer": "gnu"' <<<"$out" && grep -q '"internal_api": "openblas"' <<<"$out" &&
    grep -q '"thread_limit_scope": "process"' <<<"$out" || return 1
  out=$("$wine_exec" "$bins/blasctl.exe" info -load libgomp-1.dll) || return 1
  echo "$out"
  grep -q 'libgomp-1.dll' <<<"$out" || return 1
  out=$("$wine_exec" "$bins/blasctl.exe" exec -n 1 -- cmd.exe /c 'echo threads %OMP_NUM_THREADS% %OPENBLAS_NUM_THREADS% %MKL_NUM_THREADS% & exit 7')
  rc=$?
  echo "$out (exit $rc)"
  [ "$rc" = 7 ] && grep -q 'threads 1 1 1' <<<"$out" || return 1
  "$wine_exec" "$bins/blasctl.exe" exec -- no-such-program-here
  rc=$?
  echo "missing program: exit $rc"
  [ "$rc" = 127 ]
}
check "blasctl info and exec under Wine (windows)" blasctl_windows

leg_end
