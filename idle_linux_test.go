package blasctl_test

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/blasctl/blasctl/internal/libtest"
)

// cpuTick is the resolution of cpuTime, 0 for one far below a millisecond.
const cpuTick = 0

// cpuTime is the CPU the process has used so far, user and system.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// libcFree is the C library's free, which a parallel region runs as its
// body: free(NULL) does nothing.
func libcFree(t *testing.T) uintptr {
	return libtest.Func(t, libtest.Open(t, "libc.so.6"), "free")
}

// TestParkWorkers: ParkWorkers on the pthreads OpenBLAS, started with one
// thread and grown by a scope, ends its pool; a call after it, a raised
// count and a call again run with the right products and the right number
// of threads, also when the count is raised before any call.
func TestParkWorkers(t *testing.T) {
	builds := libtest.Named(t, "openblas-pthread")
	for i := range builds {
		builds[i].Env = append(slices.Clone(builds[i].Env), "OPENBLAS_NUM_THREADS=1")
	}
	libtest.PerBuild(t, builds, parkWorkersChild)
}

// settledThreads is libtest.LibraryThreads once two readings 10 ms apart
// agree: a thread the Go runtime is starting meanwhile can be counted in
// its profile before it shows in /proc.
func settledThreads(t *testing.T) int {
	n := libtest.LibraryThreads(t)
	for range 50 {
		time.Sleep(10 * time.Millisecond)
		m := libtest.LibraryThreads(t)
		if m == n {
			break
		}
		n = m
	}
	return n
}

func parkWorkersChild(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	get := bind(t, h, "openblas_get_num_threads")
	w := newIdleWork(t, b, h)
	if runtime.NumCPU() < 2 {
		t.Skip("needs 2 CPUs")
	}
	w.call()
	base := settledThreads(t) // no worker: one thread
	scoped := func(what string) {
		t.Helper()
		if err := blasctl.WithThreads(2, w.call); err != nil {
			t.Fatal(err)
		}
		if !w.ok() {
			t.Errorf("%s: wrong product", what)
		}
		if got := settledThreads(t); got != base+1 {
			t.Errorf("%s: %d library threads, want %d (one worker); %d threads, %d started by Go", what, got, base+1,
				libtest.Threads(t), pprof.Lookup("threadcreate").Count())
		}
		if got := get(); got != 1 {
			t.Errorf("%s: count %d after the scope, want 1", what, got)
		}
	}
	parked := func(what string) {
		t.Helper()
		if err := blasctl.ParkWorkers(); err != nil {
			t.Fatal(err)
		}
		if got := settledThreads(t); got != base {
			t.Errorf("%s: %d library threads after ParkWorkers, want %d", what, got, base)
		}
	}
	scoped("a count raised to 2")
	parked("first park")
	w.call() // one thread: the pool stays down
	if !w.ok() {
		t.Error("a call after ParkWorkers: wrong product")
	}
	if got := settledThreads(t); got != base {
		t.Errorf("a one-thread call after ParkWorkers: %d library threads, want %d", got, base)
	}
	scoped("the count raised after a park and a call")
	parked("second park")
	parked("a park of a parked pool")
	scoped("the count raised right after a park")

	// Many goroutines in scopes beside the parks: ParkWorkers waits for
	// every count change, and each product is right.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				n := 1 + (g+i)%2
				if err := blasctl.WithThreads(n, func() {}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for range 20 {
		if err := blasctl.ParkWorkers(); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	scoped("after parks beside scopes")
}

// TestIdleManyGoroutines: IdleSleep's per-scope levers at 1000 goroutines,
// each in a scope of one thread making one small call, on the builds whose
// lever is per scope (the KMP blocktime, libgomp's team): every scope
// succeeds, every product is right, and the blocktime reads its original on
// every thread afterwards.
func TestIdleManyGoroutines(t *testing.T) {
	libtest.PerBuild(t, libtest.Named(t, "mkl", "openblas-openmp"), idleManyChild)
}

func idleManyChild(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	gemm := libtest.Func(t, h, "dgemm_")
	const n = 48
	a, bm := make([]float64, n*n), make([]float64, n*n)
	for i := range a {
		a[i], bm[i] = float64(i%7)-3, float64(i%5)-2
	}
	want := fblas.Naive(n, a, bm)
	var get uintptr
	if b.Name == "mkl" {
		c := make([]float64, n*n)
		fblas.Dgemm(gemm, n, a, bm, c) // maps libiomp5
		get = libtest.Func(t, libtest.Open(t, libtest.IOMP5(b.Load[0])), "kmp_get_blocktime")
	}
	_, envBlocktime := os.LookupEnv("KMP_BLOCKTIME")
	if _, err := blasctl.SetIdlePolicy(blasctl.IdleSleep); err != nil {
		t.Fatal(err)
	}
	defer blasctl.SetIdlePolicy(blasctl.IdleDefault)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		bad []string
	)
	for g := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float64, n*n)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			before := 0
			if get != 0 {
				if before = libtest.Get(get); before == 0 && !envBlocktime {
					before = 200 // the default, which blasctl puts back (idleUndoKMP)
				}
			}
			err := blasctl.WithThreads(1, func() { fblas.Dgemm(gemm, n, a, bm, c) })
			after := before
			if get != 0 {
				after = libtest.Get(get)
			}
			if err != nil || !slices.Equal(c, want) || after != before {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("goroutine %d: err %v, product right %v, blocktime %d then %d",
					g, err, slices.Equal(c, want), before, after))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d of 1000 scopes went wrong, first: %s", len(bad), bad[0])
	}
}
