"""Summarises `go test -bench -count N` output: the median ns/op, the
median cpu-ns/op (the benchmark thread's CPU time, where reported) and the
allocs/op of each benchmark, in a Markdown table.

    python3 bench/median.py bench/out/bench-*.txt
"""
import collections
import statistics
import sys

for path in sys.argv[1:]:
    runs = collections.defaultdict(list)
    cpu = collections.defaultdict(list)
    allocs = {}
    for line in open(path):
        f = line.split()
        if not f or not f[0].startswith("Benchmark") or "ns/op" not in f:
            continue
        name = f[0].rsplit("-", 1)[0]
        runs[name].append(float(f[f.index("ns/op") - 1]))
        if "cpu-ns/op" in f:
            cpu[name].append(float(f[f.index("cpu-ns/op") - 1]))
        if "allocs/op" in f:
            allocs[name] = f[f.index("allocs/op") - 1]
    print(f"\n{path}\n\n| benchmark | median ns/op | median cpu-ns/op | allocs/op | runs |")
    print("|---|---:|---:|---:|---:|")
    for name, v in runs.items():
        c = f"{statistics.median(cpu[name]):.0f}" if cpu[name] else ""
        print(f"| {name.removeprefix('Benchmark')} | {statistics.median(v):.0f} | {c} | {allocs.get(name, '')} | {len(v)} |")
