//go:build linux || windows

package blasctl_test

import (
	"os"
	"runtime"
	"slices"
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
// CPU used is read from getrusage (GetProcessTimes on Windows, where the
// one real library is mingw's libgomp-1.dll, under Wine): a resource
// figure, which a loaded machine lowers (a spinning worker gets less of a
// CPU) rather than raises; each figure stands for three tries (idleCPU).

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
		free := libcFree(t)
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

// idleCPU makes one call in a scope of every CPU, after the library has
// been idle for a while, runs after (ParkWorkers, for one) and returns
// the CPU the process uses in the idleWindow after, over several tries:
// the median of three where the clock resolves a fraction of the budget,
// else (Windows: process times count 10 ms ticks, under Wine as on Windows)
// the mean of six, less one tick of slack.
func idleCPU(t *testing.T, w idleWork, after func()) (time.Duration, []time.Duration) {
	var tries []time.Duration
	n := 3
	if cpuTick > 0 {
		n = 6
	}
	for range n {
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
	if cpuTick > 0 {
		var sum time.Duration
		for _, d := range tries {
			sum += d
		}
		return max(0, sum-cpuTick) / time.Duration(n), tries
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
	// Only the pthreads OpenBLAS's pool is parked, and not on Windows,
	// whose OpenBLAS workers wait on an event without spinning.
	pthreads := b.Name == "openblas-pthread" && runtime.GOOS != "windows"
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
	t.Logf("idle figures: %s: CPU in the %v after a %d-thread call (of %v): %v by default, %v under IdleSleep (%v)",
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
	rt := b.Load[len(b.Load)-1] // libomp
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

// fewerSoon returns the library's thread count once it is below during,
// reading again for up to 5 s from after: libgomp's ended team has left its
// barrier when omp_pause_resource_all returns, but its threads may still
// be exiting (under qemu-user that shows).
func fewerSoon(t *testing.T, during, after int) int {
	for start := time.Now(); after >= during && time.Since(start) < 5*time.Second; {
		time.Sleep(10 * time.Millisecond)
		after = libtest.LibraryThreads(t)
	}
	return after
}

// idleUndoGOMP checks libgomp's lever: a scope under IdleSleep that begins
// after a pause ends its thread's team (the process loses the team's
// threads), one right after another keeps it, one under IdleDefault leaves
// it.
func idleUndoGOMP(t *testing.T, w idleWork) {
	scope := func() (during, after int) {
		if err := blasctl.WithThreads(runtime.NumCPU(), func() { w.call(); during = libtest.LibraryThreads(t) }); err != nil {
			t.Fatal(err)
		}
		return during, libtest.LibraryThreads(t)
	}
	time.Sleep(50 * time.Millisecond) // a quiet thread: its scope ends the team
	if during, after := scope(); fewerSoon(t, during, after) >= during {
		t.Errorf("IdleSleep: %d library threads after the scope, %d during it: the team was not ended", after, during)
	}
	// Back-to-back scopes keep their team; the first after a pause ends it.
	// (Nothing runs between the two scopes: counting threads takes long
	// under Wine.)
	if err := blasctl.WithThreads(runtime.NumCPU(), w.call); err != nil {
		t.Fatal(err)
	}
	if during, after := scope(); after != during {
		t.Errorf("IdleSleep, a scope right after another: %d library threads after it, %d during it", after, during)
	}
	time.Sleep(50 * time.Millisecond)
	if during, after := scope(); fewerSoon(t, during, after) >= during {
		t.Errorf("IdleSleep, a scope after a pause: %d library threads after it, %d during it: the team was not ended", after, during)
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
