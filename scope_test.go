package blasctl_test

import (
	"errors"
	"runtime"
	"slices"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/blasctl/blasctl/internal/libtest"
)

// TestRealLibraries runs the scope semantics against each real library
// build, one child process per build. In the child it runs the suite.
func TestRealLibraries(t *testing.T) { libtest.PerBuild(t, libtest.Builds, realSuite) }

// target is the library under test in one child, read directly through its
// own C getter so the checks do not trust blasctl's reading.
type target struct {
	build  libtest.Build
	handle uintptr
	probe  uintptr
	setter uintptr
	start  int // the raw count read at the start, on the suite's thread
	pool   int // the count that applies at the start
}

func (tg *target) threads() int { return libtest.Get(tg.probe) }

// expect is what the library reads after asking for n.
func (tg *target) expect(n int) int {
	if tg.build.Cap > 0 && n > tg.build.Cap {
		return tg.build.Cap
	}
	// capped at the larger of the CPU count and the count before: see WithThreads
	return min(n, max(runtime.NumCPU(), tg.pool))
}

// find returns the library under test among libs.
func (tg *target) find(t *testing.T, libs []blasctl.Library) blasctl.Library {
	t.Helper()
	var found []blasctl.Library
	for _, l := range libs {
		if l.InternalAPI == tg.build.InternalAPI {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s library, got %+v", tg.build.InternalAPI, libs)
	}
	return found[0]
}

// onThread runs fn on a new goroutine locked to its own, new OS thread.
func onThread(fn func()) {
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		defer close(done)
		fn()
	}()
	<-done
}

func realSuite(t *testing.T, b libtest.Build) {
	tg := &target{build: b}
	t.Run("LateLoad", tg.testLateLoad)
	if tg.probe == 0 {
		t.Fatal("library not loaded")
	}
	runtime.LockOSThread() // the suite's own reads happen on one thread
	defer runtime.UnlockOSThread()
	tg.start = tg.threads()
	tg.pool = tg.start
	if b.Applies != nil {
		tg.pool = b.Applies(tg.start)
	}

	t.Run("Report", tg.testReport)
	t.Run("LimitLeavesOtherThreads", tg.testLimitLeavesOtherThreads)
	t.Run("InvalidCount", tg.testInvalidCount)
	t.Run("ApplyAndRestore", tg.testApplyAndRestore)
	t.Run("ExactRestoreOfOddValue", tg.testExactRestoreOfOddValue)
	t.Run("LockedThread", tg.testLockedThread)
	t.Run("Panic", tg.testPanic)
	t.Run("Nesting", tg.testNesting)
	t.Run("Select", tg.testSelect)
	t.Run("NoAllocations", tg.testNoAllocations)
	t.Run("Limit", tg.testLimit)
	t.Run("Concurrent", func(t *testing.T) { runStress(t, buildProbes(b, tg.probe), 32, 1000) })
	if b.Layer == "openmp" && b.InternalAPI == "openblas" {
		t.Run("DgemmInsideScope", tg.testDgemmInsideScope)
	}
}

// testApplyAndRestore: a scope applies n, reads it back through Libraries, leaves a
// shared count alone, and puts the count back.
func (tg *target) testApplyAndRestore(t *testing.T) {
	shared, sharedStart := uintptr(0), 0
	if tg.build.Shared != "" {
		shared = libtest.Func(t, tg.handle, tg.build.Shared)
		sharedStart = libtest.Get(shared)
	}
	for _, n := range []int{1, 2, 3} {
		err := blasctl.WithThreads(n, func() {
			if got := tg.threads(); got != tg.expect(n) {
				t.Errorf("inside WithThreads(%d) reads %d", n, got)
			}
			if shared != 0 && libtest.Get(shared) != sharedStart {
				t.Errorf("inside WithThreads(%d) %s reads %d: the scope wrote the shared count (was %d)", n, tg.build.Shared, libtest.Get(shared), sharedStart)
			}
			libs, _ := blasctl.Libraries()
			if l := tg.find(t, libs); l.NumThreads != tg.expect(n) {
				t.Errorf("Libraries inside WithThreads(%d): %d", n, l.NumThreads)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := tg.threads(); got != tg.start {
			t.Errorf("after WithThreads(%d): %d, want %d", n, got, tg.start)
		}
		if shared != 0 && libtest.Get(shared) != sharedStart {
			t.Errorf("after WithThreads(%d) %s reads %d, want %d", n, tg.build.Shared, libtest.Get(shared), sharedStart)
		}
	}
}

// testExactRestoreOfOddValue: a scope puts back an odd value exactly, not a default.
func (tg *target) testExactRestoreOfOddValue(t *testing.T) {
	if tg.setter == 0 {
		t.Skip("no settable count (serial build): covered by ApplyAndRestore")
	}
	// On one thread: a per-thread count set here and put back from
	// another thread would leave this one at 3 in the pool of idle
	// threads, where a later subtest's new goroutine can find it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	libtest.Set(tg.setter, 3)
	defer libtest.Set(tg.setter, tg.start)
	odd := tg.threads() // 3, or MKL's dynamic clamp of it
	if err := blasctl.WithThreads(1, func() {}); err != nil {
		t.Fatal(err)
	}
	if got := tg.threads(); got != odd {
		t.Errorf("after scope %d, want %d", got, odd)
	}
}

// testLockedThread: fn stays on the scope's thread, and a goroutine it starts is
// covered only by a process-wide count.
func (tg *target) testLockedThread(t *testing.T) {
	err := blasctl.WithThreads(1, func() {
		id := cdl.ThreadID()
		for i := 0; i < 200; i++ {
			runtime.Gosched()
			if i%50 == 0 {
				runtime.GC()
			}
			if cdl.ThreadID() != id || tg.threads() != 1 {
				t.Fatalf("moved thread or lost the count at step %d", i)
			}
		}
		// A goroutine started inside runs on another OS thread: only a
		// process-wide setting covers it.
		var other int
		onThread(func() { other = tg.threads() })
		want := tg.start
		if tg.build.Scope == "process" {
			want = 1
		}
		if other != want {
			t.Errorf("a goroutine started inside reads %d, want %d", other, want)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testPanic: a panic inside a scope restores the count and is re-raised.
func (tg *target) testPanic(t *testing.T) {
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic re-raised", r)
			}
		}()
		_ = blasctl.WithThreads(1, func() { panic("boom") })
		t.Error("WithThreads returned after a panic")
	}()
	if got := tg.threads(); got != tg.start {
		t.Errorf("after panic: %d, want %d", got, tg.start)
	}
}

// testNesting: an inner scope replaces the outer one, which holds again after.
func (tg *target) testNesting(t *testing.T) {
	err := blasctl.WithThreads(1, func() {
		if err := blasctl.WithThreads(2, func() {
			if got := tg.threads(); got != tg.expect(2) {
				t.Errorf("inner scope reads %d, want %d", got, tg.expect(2))
			}
		}); err != nil {
			t.Error(err)
		}
		if got := tg.threads(); got != 1 {
			t.Errorf("back in outer scope: %d, want 1", got)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.threads(); got != tg.start {
		t.Errorf("after both: %d, want %d", got, tg.start)
	}
}

// testNoAllocations: a warm scope does not allocate.
func (tg *target) testNoAllocations(t *testing.T) {
	if tg.build.InternalAPI == libtest.FixtureCustomAPI {
		return // a registered library's own Go functions may allocate
	}
	noop := func() {}
	if allocs := testing.AllocsPerRun(200, func() { _ = blasctl.WithThreads(1, noop) }); allocs != 0 {
		t.Errorf("a warm WithThreads allocates %.1f times", allocs)
	}
}

// testInvalidCount: a count below 1 and a nil fn are errors that change nothing.
func (tg *target) testInvalidCount(t *testing.T) {
	for _, n := range []int{0, -1, -100} {
		ran := false
		err := blasctl.WithThreads(n, func() { ran = true })
		if !errors.Is(err, blasctl.ErrInvalidCount) || ran {
			t.Errorf("WithThreads(%d): err %v, fn ran %v", n, err, ran)
		}
		restore, err := blasctl.Limit(n)
		if !errors.Is(err, blasctl.ErrInvalidCount) || restore == nil || restore() != nil {
			t.Errorf("Limit(%d): err %v", n, err)
		}
	}
	if err := blasctl.WithThreads(1, nil); !errors.Is(err, blasctl.ErrNilFunc) {
		t.Errorf("nil fn: %v", err)
	}
	if got := tg.threads(); got != tg.start {
		t.Errorf("count changed to %d, was %d", got, tg.start)
	}
}

// testDgemmInsideScope checks that an OpenMP build of OpenBLAS, which takes its
// count at each call from the calling thread's OpenMP setting, runs a dgemm
// inside a scope on the scope's one thread: libgomp starts its worker
// threads at the first parallel call, so the process must not gain a thread
// inside the scope, and must gain one at a dgemm outside it (the control).
// openblas_get_num_threads is no witness: Debian's 0.3.21 OpenMP build keeps
// reading 2 after a dgemm that ran on one thread.
func (tg *target) testDgemmInsideScope(t *testing.T) {
	dgemm := libtest.Func(t, tg.handle, "dgemm_")
	const n = 512
	a := make([]float64, n*n)
	for i := range a {
		a[i] = float64(i%7) - 3
	}
	c := make([]float64, n*n)
	run := func() { fblas.Dgemm(dgemm, n, a, a, c) }
	if err := blasctl.WithThreads(1, func() {
		before := libtest.LibraryThreads(t)
		run()
		run()
		if after := libtest.LibraryThreads(t); after != before {
			t.Errorf("dgemm inside WithThreads(1) started %d threads", after-before)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if runtime.NumCPU() >= 2 {
		before := libtest.LibraryThreads(t)
		run()
		if after := libtest.LibraryThreads(t); after <= before {
			t.Errorf("control: a dgemm outside any scope started no thread (%d -> %d)", before, after)
		}
	}
	if !slices.Equal(c, fblas.Naive(n, a, a)) {
		t.Error("dgemm computed a wrong product")
	}
}
