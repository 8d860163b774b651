#!/usr/bin/env bash
# Leg arm64: the library's tests built for linux/arm64 without cgo and run
# under qemu-user against Debian 12's arm64 builds of OpenBLAS (pthreads and
# OpenMP), BLIS and libgomp, with the C fixtures cross-compiled. Children of
# the test binary run through the same qemu (BLASCTL_TEST_EXEC). Prints
# "leg arm64: N passed, N failed" last; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install-arm64.sh

export GOARCH=arm64 CGO_ENABLED=0 CC=aarch64-linux-gnu-gcc
export BLASCTL_TEST_EXEC=qemu-aarch64-static
go vet ./...
out=$(mktemp)
status=0
go test -exec qemu-aarch64-static -count=1 -timeout 20m -json \
  . ./internal/... ./blasctltest ./maxprocs ./automaxprocs >"$out" || status=$?
python3 - "$out" <<'PY'
import json, sys
counts = {"pass": 0, "fail": 0, "skip": 0}
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("Action") == "output" and ("--- FAIL" in e.get("Output", "") or "panic:" in e.get("Output", "")):
        sys.stdout.write(e["Output"])
    if e.get("Test") and e.get("Action") in counts:
        counts[e["Action"]] += 1
print("skipped (not built for arm64, or not for this platform): %d" % counts["skip"])
print("leg arm64: %d passed, %d failed" % (counts["pass"], counts["fail"]))
PY
rm -f "$out"
exit "$status"
