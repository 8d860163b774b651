#!/usr/bin/env bash
# blasctl next to threadpoolctl, in one run: for the pthreads OpenBLAS that
# Debian's numpy uses and for MKL (GNU threading layer), it times
#   threadpool_info()                                   vs Libraries()
#   with threadpool_limits(limits=1, user_api="blas")   vs Select(UserAPI("blas")).WithThreads(1, ...)
#   with ThreadpoolController().limit(...) (reused)     vs the same scope on a Snapshot
# and prints the medians and the ratios. The first Libraries() call is timed
# in RUNS fresh processes (median). The Go process is padded with copies of
# a tiny C library to as many mapped objects as the Python one (needs cc).
#
#   bash bench/compare.sh            # RUNS=5 by default
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3   # Debian's, which has python3-threadpoolctl and python3-numpy
RUNS=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go -C bench build -o "$tmp/compare" ./compare

for build in openblas-pthread mkl; do
  env=()
  [ "$build" = mkl ] && env=(MKL_THREADING_LAYER=GNU)
  # The Go process loads copies of a tiny library until it maps as many
  # objects as the Python one, so both walk lists of the same length.
  for i in $(seq "$RUNS"); do
    $PY bench/threadpoolctl_times.py "$build" >>"$tmp/$build.py"
  done
  objects=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["objects"])' "$tmp/$build.py")
  for i in $(seq "$RUNS"); do
    env "${env[@]}" "$tmp/compare" -build "$build" -objects "$objects" -cold >>"$tmp/$build.cold"
  done
  env "${env[@]}" "$tmp/compare" -build "$build" -objects "$objects" >"$tmp/$build.go"
done

$PY - "$tmp" <<'PYEOF'
import json, statistics, sys
tmp = sys.argv[1]
def rows(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]
for build in ("openblas-pthread", "mkl"):
    go = rows(f"{tmp}/{build}.go")[0]
    cold = statistics.median(r["libraries_cold_us"] for r in rows(f"{tmp}/{build}.cold"))
    py = rows(f"{tmp}/{build}.py")
    med = lambda k: statistics.median(r[k] for r in py)
    print(f"\n{build}: blasctl sees {go['libraries']} libraries in {go['objects']} objects; "
          f"threadpoolctl {py[0]['version']} sees {py[0]['libraries']} in {py[0]['objects']}")
    print(f"{'operation':58} {'threadpoolctl us':>17} {'blasctl us':>11} {'ratio':>8}")
    for name, p, g in [
        ("info: threadpool_info() / Libraries() warm", med("info_us"), go["libraries_warm_us"]),
        ("info, first call in a fresh process", med("info_first_us"), cold),
        ("scope: threadpool_limits(1) / WithThreads(1)", med("limits_us"), go["scope_us"]),
        ("reused: controller.limit(1) / Snapshot WithThreads(1)", med("controller_limit_us"), go["scope_snapshot_us"]),
        ("threadpool_limits(1) / Limit(1)+restore", med("limits_us"), go["limit_us"]),
    ]:
        print(f"{name:58} {p:17.2f} {g:11.3f} {p/g:7.0f}x")
PYEOF
