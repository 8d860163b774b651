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

	"github.com/ebitengine/purego"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/blasctl/blasctl/internal/libtest"
)

// The idle policy against the real libraries: with IdleSleep, the process
// uses at most 5% of a core in the 100 ms after one call (a 384x384 dgemm,
// or an empty parallel region for an OpenMP runtime alone), each lever is
// undone once the policy is back at IdleDefault, and the product is right.
// CPU used is read from getrusage: a resource figure, which a loaded machine
// lowers (a spinning worker gets less of a CPU) rather than raises; each
// figure is the median of three tries.

// idleBudget is the goal: 5% of a core over the 100 ms window.
const (
	idleWindow = 100 * time.Millisecond
	idleBudget = idleWindow * 5 / 100
)

func TestIdlePolicy(t *testing.T) {
	libtest.PerBuild(t, libtest.Named(t, "openblas-pthread", "openblas-openmp", "mkl", "mkl-gnu",
		"blis-pthread", "blis-openmp", "libgomp", "libomp"), idlePolicyChild)
}

// idleWork is one call of a build and the check of its result.
type idleWork struct {
	call func()
	ok   func() bool
}

// newIdleWork binds a 384x384 dgemm for a BLAS build, an empty parallel
// region (GOMP_parallel running libc's free(NULL) on every thread of the
// team) for an OpenMP runtime alone.
func newIdleWork(t *testing.T, b libtest.Build, h uintptr) idleWork {
	if b.InternalAPI == "openmp" {
		par := libtest.Func(t, h, "GOMP_parallel")
		free := libtest.Func(t, libtest.Open(t, "libc.so.6"), "free")
		return idleWork{
			call: func() { purego.SyscallN(par, free, 0, 0, 0) },
			ok:   func() bool { return true },
		}
	}
	const n = 384
	gemm := libtest.Func(t, h, "dgemm_")
	a, bm, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
	for i := range a {
		a[i], bm[i] = float64(i%7)-3, float64(i%5)-2
	}
	want := fblas.Naive(n, a, bm)
	return idleWork{
		call: func() {
			clear(c)
			fblas.Dgemm(gemm, n, a, bm, c)
		},
		ok: func() bool { return slices.Equal(c, want) },
	}
}

// cpuTime is the CPU the process has used so far, user and system.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// idleCPU makes one call in a scope of every CPU, after the library has
// been idle for a while, runs after (ParkWorkers, for one) and returns
// the CPU the process uses in the idleWindow after: the median of three
// tries, and all three.
func idleCPU(t *testing.T, w idleWork, after func()) (time.Duration, []time.Duration) {
	var tries []time.Duration
	for range 3 {
		runtime.GC()
		time.Sleep(300 * time.Millisecond) // every library's own spin is over
		if err := blasctl.WithThreads(runtime.NumCPU(), w.call); err != nil {
			t.Fatal(err)
		}
		if !w.ok() {
			t.Fatal("wrong product")
		}
		if after != nil {
			after()
		}
		c0 := cpuTime(t)
		time.Sleep(idleWindow)
		tries = append(tries, cpuTime(t)-c0)
	}
	sorted := slices.Clone(tries)
	slices.Sort(sorted)
	return sorted[1], tries
}

func idlePolicyChild(t *testing.T, b libtest.Build) {
	// Every call from one OS thread: libgomp gives each thread that forks a
	// team a pool of its own, and spins only briefly once its pools hold
	// more threads than there are CPUs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := b.LoadAll(t)
	w := newIdleWork(t, b, h)
	w.call() // the library starts, and MKL maps its threading layer
	pthreads := b.Name == "openblas-pthread"
	park := func() {
		if blasctl.ParkWanted() != pthreads {
			t.Errorf("ParkWanted %v under IdleSleep", !pthreads)
		}
		if pthreads {
			if err := blasctl.ParkWorkers(); err != nil {
				t.Fatal(err)
			}
		}
	}

	off, offTries := idleCPU(t, w, nil)
	if _, err := blasctl.SetIdlePolicy(blasctl.IdleSleep); err != nil {
		t.Fatal(err)
	}
	on, onTries := idleCPU(t, w, park)
	t.Logf("idle figures: %s: CPU in the %v after a %d-thread call (median of %v): %v by default, %v under IdleSleep (%v)",
		b.Name, idleWindow, runtime.NumCPU(), offTries, off, on, onTries)
	if on > idleBudget {
		t.Errorf("%s under IdleSleep used %v of CPU in the %v after a call, more than %v (by default: %v)",
			b.Name, on, idleWindow, idleBudget, off)
	}

	// What each lever leaves once the policy is off again.
	switch {
	case b.Name == "mkl" || b.Name == "libomp":
		idleUndoKMP(t, b, w)
	case b.Name == "openblas-openmp" || b.Name == "mkl-gnu" || b.Name == "blis-openmp" || b.Name == "libgomp":
		idleUndoGOMP(t, w)
	}
	if _, err := blasctl.SetIdlePolicy(blasctl.IdleDefault); err != nil {
		t.Fatal(err)
	}
	if blasctl.ParkWanted() {
		t.Error("ParkWanted under IdleDefault")
	}
}

// idleUndoKMP checks the blocktime lever on the calling thread: 1 ms inside
// a scope under IdleSleep, the original value after it, and the original
// inside a scope again once the policy is IdleDefault.
func idleUndoKMP(t *testing.T, b libtest.Build, w idleWork) {
	rt := libtest.LibDir + "libomp.so.5"
	if b.Name == "mkl" {
		rt = libtest.IOMP5(b.Load[0])
	}
	get := libtest.Func(t, libtest.Open(t, rt), "kmp_get_blocktime")
	orig := libtest.Get(get)
	if _, set := os.LookupEnv("KMP_BLOCKTIME"); orig == 0 && !set {
		// The runtime's report while it counts more threads than CPUs,
		// for the default its workers apply; blasctl puts back the default.
		orig = 200
	}
	var inside int
	scope := func() {
		if err := blasctl.WithThreads(runtime.NumCPU(), func() { inside = libtest.Get(get); w.call() }); err != nil {
			t.Fatal(err)
		}
	}
	scope()
	if after := libtest.Get(get); inside != 1 || after != orig {
		t.Errorf("IdleSleep: blocktime %d inside a scope (want 1), %d after (want the original %d)", inside, after, orig)
	}
	if _, err := blasctl.SetIdlePolicy(blasctl.IdleDefault); err != nil {
		t.Fatal(err)
	}
	scope()
	if after := libtest.Get(get); inside != orig || after != orig {
		t.Errorf("IdleDefault: blocktime %d inside a scope, %d after (want the original %d for both)", inside, after, orig)
	}
	if !w.ok() {
		t.Error("wrong product")
	}
}

// idleUndoGOMP checks libgomp's lever: a scope under IdleSleep ends its
// thread's team (the process loses the team's threads), one under
// IdleDefault leaves it.
func idleUndoGOMP(t *testing.T, w idleWork) {
	scope := func() (during, after int) {
		if err := blasctl.WithThreads(runtime.NumCPU(), func() { w.call(); during = libtest.LibraryThreads(t) }); err != nil {
			t.Fatal(err)
		}
		return during, libtest.LibraryThreads(t)
	}
	if during, after := scope(); after >= during {
		t.Errorf("IdleSleep: %d library threads after the scope, %d during it: the team was not ended", after, during)
	}
	if _, err := blasctl.SetIdlePolicy(blasctl.IdleDefault); err != nil {
		t.Fatal(err)
	}
	if during, after := scope(); after != during {
		t.Errorf("IdleDefault: %d library threads after the scope, %d during it", after, during)
	}
	if !w.ok() {
		t.Error("wrong product")
	}
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
