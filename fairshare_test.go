package blasctl_test

import (
	"errors"
	"fmt"
	"log"
	"runtime"
	"sync"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// fairBudget is the budget the real-library tests divide: GOMAXPROCS is set
// to it in the child, and each library starts at that count (blasctl caps a
// count at the larger of the CPU count and the count before), so that shares
// of 4, 2 and 1 are all distinct counts even on a 2-CPU machine. Every
// thread's OpenMP and MKL counts start there through the environment;
// OpenBLAS caps OPENBLAS_NUM_THREADS at the CPU count, so its process-wide
// count is set with its own setter.
const fairBudget = 4

// TestFairShareRealLibraries checks WithFairShare against real builds, one
// child process each: two per-thread libraries (an OpenMP OpenBLAS, MKL), a
// bare OpenMP runtime, and the process-wide pthreads OpenBLAS.
func TestFairShareRealLibraries(t *testing.T) {
	builds := libtest.Named(t, "openblas-pthread", "openblas-openmp", "mkl", "libgomp")
	for i := range builds {
		builds[i].Env = append(builds[i].Env, fmt.Sprintf("OMP_NUM_THREADS=%d", fairBudget),
			fmt.Sprintf("MKL_NUM_THREADS=%d", fairBudget), "MKL_DYNAMIC=FALSE")
	}
	libtest.PerBuild(t, builds, fairShareSuite)
}

func fairShareSuite(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	probe := libtest.Func(t, h, b.Probe)
	read := func() int { return libtest.Get(probe) }
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(fairBudget))
	runtime.LockOSThread() // the suite's own reads happen on one thread
	defer runtime.UnlockOSThread()
	if b.Scope == "process" {
		libtest.Set(libtest.Func(t, h, b.Setter), fairBudget)
	}
	start := read()
	// What the library reads after asking for n: capped at the larger of
	// the CPU count and the count before (see WithThreads).
	expect := func(n int) int { return min(n, max(runtime.NumCPU(), start)) }
	share := func(k int) int { return max(1, fairBudget/k) }
	perThread := b.Scope == "current_thread"
	t.Logf("%s: starts at %d threads (%s), budget %d", b.Name, start, b.Scope, blasctl.FairShareBudget())
	if blasctl.FairShareBudget() != fairBudget {
		t.Fatalf("FairShareBudget() = %d with GOMAXPROCS %d", blasctl.FairShareBudget(), fairBudget)
	}
	if start != fairBudget {
		t.Fatalf("the library starts at %d threads, want %d", start, fairBudget)
	}

	// alone checks a call with no other caller: all of the budget.
	alone := func(t *testing.T, when string) {
		t.Helper()
		got := -1
		if err := blasctl.WithFairShare(func() { got = read() }); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if got != expect(fairBudget) {
			t.Errorf("%s: alone, the library reads %d, want %d", when, got, expect(fairBudget))
		}
		if after := read(); after != start {
			t.Errorf("%s: after the call the library reads %d, want %d", when, after, start)
		}
	}

	t.Run("Alone", func(t *testing.T) { alone(t, "first call") })

	// k callers enter one after another, so caller i (from 1) starts with
	// i goroutines inside and keeps max(1, P/i). Once all k are inside, a
	// process-wide count is the smallest share, P/k; a nested call in each
	// takes the share of all k, without counting its goroutine twice.
	t.Run("Concurrent", func(t *testing.T) {
		for _, k := range []int{2, 3, 4} {
			type reading struct{ first, second, nested int }
			var (
				got                   = make([]reading, k)
				errs                  = make([]error, k)
				inside                = make(chan struct{})
				allIn, leave          = make(chan struct{}), make(chan struct{})
				nestedDone, finishing sync.WaitGroup
			)
			nestedDone.Add(k)
			finishing.Add(k)
			for i := range k {
				go func() {
					defer finishing.Done()
					errs[i] = blasctl.WithFairShare(func() {
						got[i].first = read()
						inside <- struct{}{}
						<-allIn
						got[i].second = read()
						if err := blasctl.WithFairShare(func() { got[i].nested = read() }); err != nil {
							errs[i] = err
						}
						nestedDone.Done()
						<-leave
					})
				}()
				<-inside // the next caller starts once this one is inside
			}
			close(allIn)
			nestedDone.Wait()
			close(leave)
			finishing.Wait()
			for i, r := range got {
				if errs[i] != nil {
					t.Fatalf("k=%d caller %d: %v", k, i+1, errs[i])
				}
				want := reading{first: expect(share(i + 1)), second: expect(share(i + 1)), nested: expect(share(k))}
				if !perThread {
					want.second = expect(share(k)) // the smallest share of all k
				}
				if r != want {
					t.Errorf("k=%d caller %d read %+v, want %+v", k, i+1, r, want)
				}
			}
			if after := read(); after != start {
				t.Errorf("k=%d: after the calls the library reads %d, want %d", k, after, start)
			}
			alone(t, fmt.Sprintf("after %d callers", k)) // the count of callers is back to 0
		}
	})

	t.Run("Panic", func(t *testing.T) {
		var inside int
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("recovered %v, want boom", r)
				}
			}()
			blasctl.WithFairShare(func() {
				inside = read()
				panic("boom")
			})
		}()
		if inside != expect(fairBudget) {
			t.Errorf("inside the panicking call the library read %d, want %d", inside, expect(fairBudget))
		}
		if after := read(); after != start {
			t.Errorf("after the panic the library reads %d, want %d", after, start)
		}
		alone(t, "after a panic")
	})

	t.Run("Budget", func(t *testing.T) {
		prev, err := blasctl.SetFairShareBudget(2)
		if err != nil || prev != 0 {
			t.Fatalf("SetFairShareBudget(2) = %d, %v", prev, err)
		}
		var got int
		err = blasctl.WithFairShare(func() { got = read() })
		if prev, err2 := blasctl.SetFairShareBudget(0); err2 != nil || prev != 2 {
			t.Fatalf("SetFairShareBudget(0) = %d, %v", prev, err2)
		}
		if err != nil || got != expect(2) {
			t.Errorf("budget 2: %v, the library reads %d, want %d", err, got, expect(2))
		}
		alone(t, "after the budget is back")
	})

	// An explicit count on the same goroutine caps the share inside it:
	// min(n, max(1, P/k)); WithThreads inside fn replaces the share. A
	// Limit on another goroutine does not cap it (a process-wide count is
	// still the smallest hold of all).
	t.Run("NextToWithThreadsAndLimit", func(t *testing.T) {
		var inFair, afterFair, inScope, afterScope int
		err := blasctl.WithThreads(1, func() {
			blasctl.WithFairShare(func() { inFair = read() })
			afterFair = read()
		})
		if err != nil || inFair != 1 || afterFair != 1 {
			t.Errorf("in WithThreads(1): %v, share reads %d (want 1), then %d (want 1)", err, inFair, afterFair)
		}
		err = blasctl.WithThreads(2, func() {
			blasctl.WithFairShare(func() { inFair = read() })
		})
		if err != nil || inFair != expect(2) {
			t.Errorf("in WithThreads(2): %v, the share of %d reads %d, want %d", err, fairBudget, inFair, expect(2))
		}
		err = blasctl.WithFairShare(func() {
			blasctl.WithThreads(1, func() { inScope = read() })
			afterScope = read()
		})
		if err != nil || inScope != 1 || afterScope != expect(fairBudget) {
			t.Errorf("WithThreads(1) in the share: %v, reads %d (want 1), then %d (want %d)", err, inScope, afterScope, expect(fairBudget))
		}
		restore, err := blasctl.Limit(1)
		if err != nil {
			t.Fatal(err)
		}
		blasctl.WithFairShare(func() { inFair = read() })
		afterFair = read()
		var innermost int
		blasctl.WithThreads(2, func() {
			blasctl.WithFairShare(func() { innermost = read() })
		})
		if err := restore(); err != nil {
			t.Fatal(err)
		}
		if inFair != 1 || afterFair != 1 {
			t.Errorf("under Limit(1): share reads %d (want 1), then %d (want 1)", inFair, afterFair)
		}
		if innermost != expect(2) {
			t.Errorf("in WithThreads(2) under Limit(1): share reads %d, want %d (the innermost n caps)", innermost, expect(2))
		}
		if after := read(); after != start {
			t.Errorf("after the limit the library reads %d, want %d", after, start)
		}
		blasctl.WithFairShare(func() { inFair = read() })
		if inFair != expect(fairBudget) {
			t.Errorf("after the limit: share reads %d, want %d", inFair, expect(fairBudget))
		}

		// A Limit on another goroutine.
		limited, release, released := make(chan error), make(chan struct{}), make(chan error)
		go func() {
			restore, err := blasctl.Limit(1)
			limited <- err
			<-release
			released <- restore()
		}()
		if err := <-limited; err != nil {
			t.Fatal(err)
		}
		blasctl.WithFairShare(func() { inFair = read() })
		close(release)
		if err := <-released; err != nil {
			t.Fatal(err)
		}
		want := expect(fairBudget)
		switch {
		case !perThread:
			want = 1 // the other goroutine's Limit holds the process-wide count
		case b.InternalAPI == "mkl":
			// MKL's Limit is on its count for all domains: the thread's
			// own count above it is capped at the CPU count (WithThreads).
			want = min(want, runtime.NumCPU())
		}
		if inFair != want {
			t.Errorf("under another goroutine's Limit(1): share reads %d, want %d", inFair, want)
		}
	})
}

// TestFairShareBudget checks the setter's bad input and the cap at
// GOMAXPROCS; it needs no library.
func TestFairShareBudget(t *testing.T) {
	gmp := runtime.GOMAXPROCS(0)
	if got := blasctl.FairShareBudget(); got != gmp {
		t.Fatalf("default budget %d, want GOMAXPROCS %d", got, gmp)
	}
	for _, p := range []int{-1, -100, gmp + 1} {
		prev, err := blasctl.SetFairShareBudget(p)
		if !errors.Is(err, blasctl.ErrInvalidBudget) || prev != 0 {
			t.Errorf("SetFairShareBudget(%d) = %d, %v; want ErrInvalidBudget", p, prev, err)
		}
		if got := blasctl.FairShareBudget(); got != gmp {
			t.Errorf("after SetFairShareBudget(%d) the budget is %d, want %d", p, got, gmp)
		}
	}
	if prev, err := blasctl.SetFairShareBudget(1); err != nil || prev != 0 || blasctl.FairShareBudget() != 1 {
		t.Errorf("SetFairShareBudget(1) = %d, %v; budget %d", prev, err, blasctl.FairShareBudget())
	}
	if prev, err := blasctl.SetFairShareBudget(gmp); err != nil || prev != 1 || blasctl.FairShareBudget() != gmp {
		t.Errorf("SetFairShareBudget(%d) = %d, %v; budget %d", gmp, prev, err, blasctl.FairShareBudget())
	}
	if gmp > 1 { // a budget above a lowered GOMAXPROCS counts as GOMAXPROCS
		runtime.GOMAXPROCS(gmp - 1)
		got := blasctl.FairShareBudget()
		runtime.GOMAXPROCS(gmp)
		if got != gmp-1 {
			t.Errorf("budget %d with GOMAXPROCS lowered to %d", got, gmp-1)
		}
	}
	if prev, err := blasctl.SetFairShareBudget(0); err != nil || prev != gmp || blasctl.FairShareBudget() != gmp {
		t.Errorf("SetFairShareBudget(0) = %d, %v; budget %d", prev, err, blasctl.FairShareBudget())
	}
	if err := blasctl.WithFairShare(nil); !errors.Is(err, blasctl.ErrNilFunc) {
		t.Errorf("WithFairShare(nil) = %v, want ErrNilFunc", err)
	}
}

// Goroutines that call BLAS at unpredictable times, each call in
// WithFairShare: one caller alone runs with every CPU, several share them.
func ExampleWithFairShare() {
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := blasctl.WithFairShare(multiply); err != nil {
				log.Print(err)
			}
		}()
	}
	wg.Wait()
	fmt.Println("done")
	// Output: done
}
