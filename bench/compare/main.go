// Command compare times blasctl's operations in one process that has loaded
// one library build, for bench/compare.sh, which runs it next to the same
// operations in threadpoolctl. It prints one JSON object of medians in
// microseconds.
//
//	go -C bench run ./compare -build openblas-pthread
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/ebitengine/purego"
)

func main() {
	build := flag.String("build", "openblas-pthread", "library build to load (internal/libtest.Builds)")
	coldOnly := flag.Bool("cold", false, "only time the first Libraries() call")
	objects := flag.Int("objects", 0, "load copies of a tiny C library until this many shared objects are mapped (needs cc)")
	flag.Parse()

	var b libtest.Build
	for _, bl := range libtest.Builds {
		if bl.Name == *build {
			b = bl
		}
	}
	if b.Name == "" {
		fatal("unknown build %q", *build)
	}
	for _, kv := range b.Env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	for _, p := range b.Load {
		if _, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL); err != nil {
			fatal("dlopen %s: %v", p, err)
		}
	}
	if *objects > 0 {
		pad(*objects)
	}
	runtime.LockOSThread()

	t0 := time.Now()
	libs, err := blasctl.Libraries()
	cold := time.Since(t0)
	if err != nil {
		fatal("%v", err)
	}
	out := map[string]any{"objects": countObjects(), "libraries": len(libs), "libraries_cold_us": us(cold)}
	if *coldOnly {
		emit(out)
		return
	}
	blas := blasctl.Select(blasctl.UserAPI(blasctl.UserAPIBLAS))
	snap, err := blas.Snapshot()
	if err != nil {
		fatal("%v", err)
	}
	noop := func() {}
	out["libraries_warm_us"] = median(func() { must(blasctl.Libraries()) })
	out["scope_us"] = median(func() { check(blas.WithThreads(1, noop)) })
	out["scope_snapshot_us"] = median(func() { check(snap.WithThreads(1, noop)) })
	out["limit_us"] = median(func() {
		restore, err := blas.Limit(1)
		check(err)
		check(restore())
	})
	emit(out)
}

// median runs op in 9 batches of about 20 ms and returns the median time of
// one op in microseconds.
func median(op func()) float64 {
	n := 1
	for {
		t := time.Now()
		for range n {
			op()
		}
		if time.Since(t) > 2*time.Millisecond {
			break
		}
		n *= 2
	}
	n *= 10
	var per []float64
	for range 9 {
		t := time.Now()
		for range n {
			op()
		}
		per = append(per, us(time.Since(t))/float64(n))
	}
	slices.Sort(per)
	return per[len(per)/2]
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// pad compiles a one-function C library and dlopens copies of it under
// distinct names until the process maps n shared objects, so that blasctl
// walks as many objects as the Python process it is compared with.
func pad(n int) {
	dir, err := os.MkdirTemp("", "blasctl-compare")
	if err != nil {
		fatal("%v", err)
	}
	defer os.RemoveAll(dir)
	src, lib := filepath.Join(dir, "pad.c"), filepath.Join(dir, "libpad.so")
	if err := os.WriteFile(src, []byte("int blasctl_pad(void) { return 1; }\n"), 0o644); err != nil {
		fatal("%v", err)
	}
	if out, err := exec.Command("cc", "-shared", "-fPIC", "-o", lib, src).CombinedOutput(); err != nil {
		fatal("cc: %v %s", err, out)
	}
	data, err := os.ReadFile(lib)
	if err != nil {
		fatal("%v", err)
	}
	for i := 0; countObjects() < n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("libpad%03d.so", i))
		if err := os.WriteFile(p, data, 0o755); err != nil {
			fatal("%v", err)
		}
		if _, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL); err != nil {
			fatal("dlopen %s: %v", p, err)
		}
	}
}

// countObjects counts the shared objects mapped in this process.
func countObjects() int {
	data, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return -1
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && strings.Contains(f[5], ".so") {
			seen[f[5]] = true
		}
	}
	return len(seen)
}

func must(_ []blasctl.Library, err error) { check(err) }

func check(err error) {
	if err != nil {
		fatal("%v", err)
	}
}

func emit(v any) {
	if err := json.NewEncoder(os.Stdout).Encode(v); err != nil {
		fatal("%v", err)
	}
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "compare: "+format+"\n", args...)
	os.Exit(1)
}
