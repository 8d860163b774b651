#!/usr/bin/env bash
# Every number of BENCHMARKS.md, in one go (a few minutes on 2 CPUs):
#   1. go test -bench per library build, one process per build
#      (BLASCTL_BENCH_BUILD loads it; COUNT runs each, benchstat-style medians
#      are taken by hand from the output);
#   2. bench/compare.sh, blasctl next to threadpoolctl;
#   3. bench/payoff, the throughput of scoped dgemm, and its chart;
#   4. bench/idle, what idle worker threads cost per build, and its chart
#      (about 6 minutes more).
# Output goes to bench/out/ (not committed) and the terminal.
#
#   bash bench/run.sh            # COUNT=5 by default
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}
out=bench/out
mkdir -p "$out"
{
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "# load: $(uptime)"
  go version
} | tee "$out/machine.txt"

go test -c -o "$out/blasctl.test" .
for build in openblas-pthread openblas-openmp mkl; do
  env=()
  [ "$build" = mkl ] && env=(MKL_THREADING_LAYER=GNU)
  echo "== go test -bench, $build"
  env "${env[@]}" BLASCTL_BENCH_BUILD=$build "$out/blasctl.test" -test.run '^$' \
    -test.bench 'WithThreads|Limit|Libraries|GenerationCheck' -test.benchmem -test.count "$COUNT" |
    tee "$out/bench-$build.txt"
done
echo "== detection growth with loaded objects"
BLASCTL_BENCH_BUILD=openblas-pthread "$out/blasctl.test" -test.run '^$' \
  -test.bench DetectionGrowth -test.benchmem -test.count "$COUNT" | tee "$out/bench-growth.txt"

echo "== first Libraries() call in a fresh process, 40 objects mapped, 9 processes"
go -C bench build -o "$PWD/$out/compare" ./compare
for i in $(seq 9); do "$out/compare" -build openblas-pthread -objects 40 -cold; done | tee "$out/cold.txt" |
  python3 -c 'import json,statistics,sys; v=[json.loads(l)["libraries_cold_us"] for l in sys.stdin]; print("median %.0f us, min %.0f, max %.0f" % (statistics.median(v), min(v), max(v)))'

echo "== blasctl vs threadpoolctl"
bash bench/compare.sh | tee "$out/compare.txt"

echo "== payoff"
go -C bench run ./payoff -svg payoff.svg | tee "$out/payoff.txt"

echo "== idle"
go -C bench run ./idle -svg idle.svg | tee "$out/idle.txt"

echo "== medians"
python3 bench/median.py "$out"/bench-*.txt | tee "$out/medians.md"
