"""Times threadpoolctl's operations for bench/compare.sh, the way
bench/compare times blasctl's, and prints one JSON object of medians in
microseconds. Run with Debian's /usr/bin/python3 (python3-threadpoolctl,
python3-numpy).

    /usr/bin/python3 bench/threadpoolctl_times.py openblas-pthread|mkl
"""
import ctypes
import json
import os
import sys
import time

LIB = "/usr/lib/x86_64-linux-gnu/"


def load(build):
    if build == "openblas-pthread":
        # numpy links libblas.so.3, which Debian's alternatives point at the
        # pthreads OpenBLAS: the same file the Go side dlopens.
        import numpy  # noqa: F401
    elif build == "mkl":
        os.environ["MKL_THREADING_LAYER"] = "GNU"
        ctypes.CDLL(LIB + "libgomp.so.1", mode=ctypes.RTLD_GLOBAL)
        ctypes.CDLL(LIB + "libmkl_rt.so", mode=ctypes.RTLD_GLOBAL)
    else:
        sys.exit("unknown build " + build)


def median(op):
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            op()
        if time.perf_counter() - t > 0.002:
            break
        n *= 2
    n *= 10
    per = []
    for _ in range(9):
        t = time.perf_counter()
        for _ in range(n):
            op()
        per.append((time.perf_counter() - t) / n * 1e6)
    per.sort()
    return per[len(per) // 2]


def count_objects():
    seen = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and ".so" in parts[5]:
                seen.add(parts[5])
    return len(seen)


def main():
    build = sys.argv[1]
    load(build)
    import threadpoolctl

    t = time.perf_counter()
    info = threadpoolctl.threadpool_info()
    cold = (time.perf_counter() - t) * 1e6

    def scope():
        with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
            pass

    ctl = threadpoolctl.ThreadpoolController()

    def reused():
        with ctl.limit(limits=1, user_api="blas"):
            pass

    out = {
        "version": threadpoolctl.__version__,
        "objects": count_objects(),
        "libraries": len(info),
        "info_first_us": cold,
        "info_us": median(threadpoolctl.threadpool_info),
        "limits_us": median(scope),
        "controller_limit_us": median(reused),
    }
    print(json.dumps(out))


main()
