package blasctl_test

import (
	"errors"
	"runtime"
	"slices"
	"strings"
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

	// Detection must see a library loaded after the first call.
	t.Run("LateLoad", func(t *testing.T) {
		before, err := blasctl.Libraries()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range before {
			if l.InternalAPI == b.InternalAPI {
				t.Fatalf("%s reported before it was loaded: %+v", b.InternalAPI, l)
			}
		}
		tg.handle = b.LoadAll(t)
		tg.probe = libtest.Func(t, tg.handle, b.Probe)
		if b.Setter != "" {
			tg.setter = libtest.Func(t, tg.handle, b.Setter)
		}
		after, err := blasctl.Libraries()
		if err != nil {
			t.Fatal(err)
		}
		tg.find(t, after)
	})
	if tg.probe == 0 {
		t.Fatal("library not loaded")
	}
	runtime.LockOSThread() // the suite's own reads happen on one thread
	defer runtime.UnlockOSThread()
	start := tg.threads()
	tg.pool = start
	if b.Applies != nil {
		tg.pool = b.Applies(start)
	}

	t.Run("Report", func(t *testing.T) {
		libs, _ := blasctl.Libraries()
		l := tg.find(t, libs)
		applies := start
		if b.Applies != nil {
			applies = b.Applies(start)
		}
		if l.ThreadingLayer != b.Layer || string(l.Scope) != b.Scope || l.NumThreads != applies {
			t.Errorf("got layer %q scope %q threads %d, want %q %q %d", l.ThreadingLayer, l.Scope, l.NumThreads, b.Layer, b.Scope, applies)
		}
		if b.InternalAPI != "openmp" && !b.NoVersion && l.Version == "" {
			t.Errorf("no version: %+v", l)
		}
	})
	t.Run("LimitLeavesOtherThreads", func(t *testing.T) { limitLeavesOtherThreads(t, tg) })
	t.Run("InvalidCount", func(t *testing.T) {
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
		if got := tg.threads(); got != start {
			t.Errorf("count changed to %d, was %d", got, start)
		}
	})
	t.Run("ApplyAndRestore", func(t *testing.T) {
		shared, sharedStart := uintptr(0), 0
		if b.Shared != "" {
			shared = libtest.Func(t, tg.handle, b.Shared)
			sharedStart = libtest.Get(shared)
		}
		for _, n := range []int{1, 2, 3} {
			err := blasctl.WithThreads(n, func() {
				if got := tg.threads(); got != tg.expect(n) {
					t.Errorf("inside WithThreads(%d) reads %d", n, got)
				}
				if shared != 0 && libtest.Get(shared) != sharedStart {
					t.Errorf("inside WithThreads(%d) %s reads %d: the scope wrote the shared count (was %d)", n, b.Shared, libtest.Get(shared), sharedStart)
				}
				libs, _ := blasctl.Libraries()
				if l := tg.find(t, libs); l.NumThreads != tg.expect(n) {
					t.Errorf("Libraries inside WithThreads(%d): %d", n, l.NumThreads)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := tg.threads(); got != start {
				t.Errorf("after WithThreads(%d): %d, want %d", n, got, start)
			}
			if shared != 0 && libtest.Get(shared) != sharedStart {
				t.Errorf("after WithThreads(%d) %s reads %d, want %d", n, b.Shared, libtest.Get(shared), sharedStart)
			}
		}
	})
	t.Run("ExactRestoreOfOddValue", func(t *testing.T) {
		if tg.setter == 0 {
			t.Skip("no settable count (serial build): covered by ApplyAndRestore")
		}
		// On one thread: a per-thread count set here and put back from
		// another thread would leave this one at 3 in the pool of idle
		// threads, where a later subtest's new goroutine can find it.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		libtest.Set(tg.setter, 3)
		defer libtest.Set(tg.setter, start)
		odd := tg.threads() // 3, or MKL's dynamic clamp of it
		if err := blasctl.WithThreads(1, func() {}); err != nil {
			t.Fatal(err)
		}
		if got := tg.threads(); got != odd {
			t.Errorf("after scope %d, want %d", got, odd)
		}
	})
	t.Run("LockedThread", func(t *testing.T) {
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
			want := start
			if b.Scope == "process" {
				want = 1
			}
			if other != want {
				t.Errorf("a goroutine started inside reads %d, want %d", other, want)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Panic", func(t *testing.T) {
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("recovered %v, want the panic re-raised", r)
				}
			}()
			_ = blasctl.WithThreads(1, func() { panic("boom") })
			t.Error("WithThreads returned after a panic")
		}()
		if got := tg.threads(); got != start {
			t.Errorf("after panic: %d, want %d", got, start)
		}
	})
	t.Run("Nesting", func(t *testing.T) {
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
		if got := tg.threads(); got != start {
			t.Errorf("after both: %d, want %d", got, start)
		}
	})
	t.Run("Select", func(t *testing.T) {
		// A known implementation that is not loaded selects nothing; an
		// unknown name is an error and fn does not run.
		absent := "blastrampoline"
		if b.InternalAPI == absent {
			absent = "nvpl"
		}
		if err := blasctl.Select(blasctl.InternalAPI("no-such-library")).WithThreads(1, func() {
			t.Error("fn ran under an unknown filter")
		}); !errors.Is(err, blasctl.ErrInvalidFilter) {
			t.Errorf("unknown internal API: %v, want ErrInvalidFilter", err)
		}
		other := blasctl.Select(blasctl.InternalAPI(absent))
		if err := other.WithThreads(1, func() {
			if got := tg.threads(); got != start {
				t.Errorf("a scope that selects nothing changed the count to %d", got)
			}
		}); err != nil {
			t.Fatal(err)
		}
		mine := blasctl.Select(blasctl.InternalAPI(b.InternalAPI))
		libs, _ := mine.Libraries()
		tg.find(t, libs)
		if err := mine.WithThreads(1, func() {
			if got := tg.threads(); got != 1 {
				t.Errorf("selected scope reads %d", got)
			}
		}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("NoAllocations", func(t *testing.T) {
		if b.InternalAPI == libtest.FixtureCustomAPI {
			return // a registered library's own Go functions may allocate
		}
		noop := func() {}
		if allocs := testing.AllocsPerRun(200, func() { _ = blasctl.WithThreads(1, noop) }); allocs != 0 {
			t.Errorf("a warm WithThreads allocates %.1f times", allocs)
		}
	})
	t.Run("Limit", func(t *testing.T) { limitSuite(t, tg, start) })
	t.Run("Concurrent", func(t *testing.T) { runStress(t, buildProbes(b, tg.probe), 32, 1000) })
	if b.Layer == "openmp" && b.InternalAPI == "openblas" {
		t.Run("DgemmInsideScope", func(t *testing.T) { dgemmRunsLimited(t, tg) })
	}
}

// limitLeavesOtherThreads checks that Limit and restore leave other
// threads as they were, even where the limiting thread's own OpenMP count
// was lowered first: MKL, before anything set its global count, follows
// that count. It runs before any other subtest sets a count.
func limitLeavesOtherThreads(t *testing.T, tg *target) {
	var before, after int
	onThread(func() { before = tg.threads() })
	onThread(func() {
		for _, p := range tg.build.Load {
			if strings.HasSuffix(p, "/libgomp.so.1") {
				libtest.Set(libtest.Func(t, libtest.Open(t, p), "omp_set_num_threads"), 1)
			}
		}
		restore, err := blasctl.Limit(1)
		if err != nil {
			t.Error(err)
			return
		}
		var under int
		onThread(func() { under = tg.threads() })
		if tg.build.Scope == "process" || tg.build.InternalAPI == "mkl" {
			if under != 1 {
				t.Errorf("under Limit(1) another thread reads %d", under)
			}
		}
		if err := restore(); err != nil {
			t.Error(err)
		}
	})
	onThread(func() { after = tg.threads() })
	if after != before {
		t.Errorf("Limit and restore changed another thread's count from %d to %d", before, after)
	}
}

func limitSuite(t *testing.T, tg *target, start int) {
	// Limit and restore run on a goroutine of their own, which Limit locks.
	onThread(func() {
		restore, err := blasctl.Limit(1)
		if err != nil {
			t.Error(err)
			return
		}
		if got := tg.threads(); got != 1 {
			t.Errorf("after Limit(1): %d", got)
		}
		if tg.build.Scope == "process" || tg.build.InternalAPI == "mkl" {
			var other int
			onThread(func() { other = tg.threads() })
			if other != 1 {
				t.Errorf("Limit(1) is process-wide here, another thread reads %d", other)
			}
		}
		var wrong error
		onThread(func() { wrong = restore() })
		if !errors.Is(wrong, blasctl.ErrWrongGoroutine) || tg.threads() != 1 {
			t.Errorf("restore from another goroutine: %v, count %d", wrong, tg.threads())
		}
		if err := restore(); err != nil {
			t.Error(err)
		}
		if err := restore(); err != nil {
			t.Errorf("second restore: %v", err)
		}
		if got := tg.threads(); got != start {
			t.Errorf("after restore: %d, want %d", got, start)
		}
	})
	if got := tg.threads(); got != start {
		t.Errorf("suite thread after Limit: %d, want %d", got, start)
	}
}

// dgemmRunsLimited checks that an OpenMP build of OpenBLAS, which takes its
// count at each call from the calling thread's OpenMP setting, runs a dgemm
// inside a scope on the scope's one thread: libgomp starts its worker
// threads at the first parallel call, so the process must not gain a thread
// inside the scope, and must gain one at a dgemm outside it (the control).
// openblas_get_num_threads is no witness: Debian's 0.3.21 OpenMP build keeps
// reading 2 after a dgemm that ran on one thread.
func dgemmRunsLimited(t *testing.T, tg *target) {
	dgemm := libtest.Func(t, tg.handle, "dgemm_")
	const n = 512
	a := make([]float64, n*n)
	for i := range a {
		a[i] = float64(i%7) - 3
	}
	c := make([]float64, n*n)
	run := func() { fblas.Dgemm(dgemm, n, a, a, c) }
	if err := blasctl.WithThreads(1, func() {
		before := libtest.Threads(t)
		run()
		run()
		if after := libtest.Threads(t); after != before {
			t.Errorf("dgemm inside WithThreads(1) started %d threads", after-before)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if runtime.NumCPU() >= 2 {
		before := libtest.Threads(t)
		run()
		if after := libtest.Threads(t); after <= before {
			t.Errorf("control: a dgemm outside any scope started no thread (%d -> %d)", before, after)
		}
	}
	if !slices.Equal(c, fblas.Naive(n, a, a)) {
		t.Error("dgemm computed a wrong product")
	}
}
