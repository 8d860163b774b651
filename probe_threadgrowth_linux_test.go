package blasctl_test

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/blasctl/blasctl/internal/libtest"
)

// Probes of the OS threads a process keeps after many goroutines made
// scopes: a goroutine locked to its thread that waits keeps the thread, and
// the Go runtime never retires idle threads.

// Thread-growth workload: growthGoroutines goroutines, each making
// growthScopes scopes, each scope one BLAS call (a dgemm of growthDim).
const (
	growthGoroutines = 1000
	growthScopes     = 200
	growthDim        = 16
)

// growthModes are the ways the workload calls: without blasctl (the
// baseline), each call locked to its thread by runtime.LockOSThread alone
// (what any scope costs), each in WithThreads(1), each in WithFairShare.
var growthModes = []string{"baseline", "lockosthread", "withthreads", "fairshare"}

// TestProbeThreadGrowth runs the workload on the pthreads OpenBLAS, the
// OpenMP OpenBLAS, libgomp alone (each scope calls omp_get_max_threads)
// and MKL, each mode in a child process of its own, and compares the OS
// threads each child ends with (/proc/self/task): through WithFairShare at
// most GOMAXPROCS+8 more than the baseline. It logs the WithThreads
// figures and every mode's RSS growth and wall time. (Class: a wait while
// locked to the OS thread: each goroutine parked on a lock inside a scope
// keeps a thread for good.)
func TestProbeThreadGrowth(t *testing.T) {
	for _, b := range libtest.Named(t, "openblas-pthread", "openblas-openmp", "libgomp", "mkl") {
		t.Run(b.Name, func(t *testing.T) {
			_, child := libtest.Scenario()
			figs := map[string]growth{}
			for _, mode := range growthModes {
				t.Run(mode, func(t *testing.T) {
					scenario := "threadgrowth-" + b.Name + "-" + mode
					if s, _ := libtest.Scenario(); child {
						if s != scenario {
							t.SkipNow()
						}
						growthChild(t, b, mode)
						return
					}
					out := libtest.Child{Test: t.Name(), Build: b, Scenario: scenario}.Run(t)
					figs[mode] = parseGrowth(t, out)
				})
			}
			if child || len(figs) != len(growthModes) {
				return
			}
			base, fair := figs["baseline"], figs["fairshare"]
			for _, mode := range growthModes {
				g := figs[mode]
				t.Logf("figures: %s %s: threads %d -> %d (%+d against the baseline), RSS %+d kB, wall %v",
					b.Name, mode, g.before, g.after, g.after-base.after, g.rssAfter-g.rssBefore, g.wall)
			}
			if limit := base.after + runtime.GOMAXPROCS(0) + 8; fair.after > limit {
				t.Errorf("%s: WithFairShare ended with %d OS threads, the same workload without blasctl with %d: more than GOMAXPROCS+8 (%d) more",
					b.Name, fair.after, base.after, runtime.GOMAXPROCS(0)+8)
			}
		})
	}
}

// growth is one child's figures.
type growth struct {
	before, after       int // OS threads before and after the workload
	rssBefore, rssAfter int // kB
	wall                time.Duration
}

var growthLine = regexp.MustCompile(`growth: threads (\d+) -> (\d+), rss (\d+) -> (\d+) kB, wall (\S+)`)

// parseGrowth reads the figures a child printed.
func parseGrowth(t *testing.T, out string) growth {
	t.Helper()
	m := growthLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no figures in the child's output:\n%s", out)
	}
	var g growth
	for i, p := range []*int{&g.before, &g.after, &g.rssBefore, &g.rssAfter} {
		p2, err := strconv.Atoi(m[i+1])
		if err != nil {
			t.Fatal(err)
		}
		*p = p2
	}
	d, err := time.ParseDuration(m[5])
	if err != nil {
		t.Fatal(err)
	}
	g.wall = d
	return g
}

// growthChild is TestProbeThreadGrowth in the child: it loads b, makes one
// call to start what the library starts at its first call, and runs the
// workload in mode, then prints its figures.
func growthChild(t *testing.T, b libtest.Build, mode string) {
	h := b.LoadAll(t)
	var call func(a, bm, c []float64)
	if b.InternalAPI == "openmp" {
		get := libtest.Func(t, h, "omp_get_max_threads")
		call = func(_, _, _ []float64) { libtest.Get(get) }
	} else {
		gemm := libtest.Func(t, h, "dgemm_")
		call = func(a, bm, c []float64) { fblas.Dgemm(gemm, growthDim, a, bm, c) }
	}
	const n = growthDim * growthDim
	a, bm := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i], bm[i] = float64(i%7), float64(i%5)
	}
	want := fblas.Naive(growthDim, a, bm)
	call(a, bm, make([]float64, n))

	var failed, wrong atomic.Int64
	var firstErr atomic.Value
	scoped := func(fn func()) {
		var err error
		switch mode {
		case "baseline":
			fn()
			return
		case "lockosthread":
			runtime.LockOSThread()
			fn()
			runtime.UnlockOSThread()
			return
		case "withthreads":
			err = blasctl.WithThreads(1, fn)
		case "fairshare":
			err = blasctl.WithFairShare(fn)
		}
		if err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, err.Error())
		}
	}
	runtime.GC()
	before, rssBefore := libtest.Threads(t), rssKB(t)
	start := time.Now()
	var wg sync.WaitGroup
	for range growthGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float64, n)
			for range growthScopes {
				scoped(func() { call(a, bm, c) })
			}
			if b.InternalAPI != "openmp" && !equal(c, want) {
				wrong.Add(1)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	after, rssAfter := libtest.Threads(t), rssKB(t)
	t.Logf("growth: threads %d -> %d, rss %d -> %d kB, wall %v", before, after, rssBefore, rssAfter, wall)
	if mode == "fairshare" {
		t.Logf("%d WithFairShare calls entered without admission", blasctl.AdmitEscapes())
	}
	if failed.Load() != 0 {
		t.Errorf("%d scopes failed; first: %v", failed.Load(), firstErr.Load())
	}
	if wrong.Load() != 0 {
		t.Errorf("%d goroutines ended with a wrong product", wrong.Load())
	}
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// rssKB is the process's resident set size (VmRSS), in kB.
func rssKB(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(status, []byte("VmRSS:"))
	if !ok {
		t.Fatal("no VmRSS in /proc/self/status")
	}
	var kb int
	if _, err := fmt.Sscan(string(rest), &kb); err != nil {
		t.Fatal(err)
	}
	return kb
}
