"""Summarises `go test -bench -count N` output: the median ns/op and the
allocs/op of each benchmark, in a Markdown table.

    python3 bench/median.py bench/out/bench-*.txt
"""
import collections
import statistics
import sys

for path in sys.argv[1:]:
    runs = collections.defaultdict(list)
    allocs = {}
    for line in open(path):
        f = line.split()
        if not f or not f[0].startswith("Benchmark") or "ns/op" not in f:
            continue
        name = f[0].rsplit("-", 1)[0]
        runs[name].append(float(f[f.index("ns/op") - 1]))
        if "allocs/op" in f:
            allocs[name] = f[f.index("allocs/op") - 1]
    print(f"\n{path}\n\n| benchmark | median ns/op | allocs/op | runs |\n|---|---:|---:|---:|")
    for name, v in runs.items():
        print(f"| {name} | {statistics.median(v):.0f} | {allocs.get(name, '')} | {len(v)} |")
