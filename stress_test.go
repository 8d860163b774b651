package blasctl_test

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// TestStress runs many goroutines of random scopes against each real build
// (OpenBLAS pthreads and OpenMP, MKL, libgomp) and against a fixture loaded
// next to libgomp, one child process each: random n, random nesting, random
// panics, Limit with restore in and out of order, twice, and from the wrong
// goroutine. Every scope checks on its own thread that each library reads at
// most its n; at the end every count must equal its start, on the test's
// thread and on a new one, no goroutine may be left, and a watchdog fails
// the child with every goroutine's stack if no scope ends for a minute.
//
// The size is BLASCTL_STRESS goroutines x scopes: "full" is 64x10000 (what
// scripts/test-extra.sh runs in CI), "GxS" any other; the default is 64x200.
func TestStress(t *testing.T) {
	if scenario, _ := libtest.Scenario(); scenario == stressFixture {
		stressFixtureChild(t)
		return
	}
	libtest.PerBuild(t, libtest.Named(t, stressBuilds...), stressRealChild)
	if _, child := libtest.This(); child {
		return
	}
	gomp := libtest.Named(t, "libgomp")[0]
	t.Run("fixture", func(t *testing.T) {
		t.Parallel()
		libtest.Child{Test: "TestStress", Build: libtest.Build{Name: "libgomp", Load: gomp.Load, Package: gomp.Package},
			Scenario: stressFixture}.Run(t)
	})
}

var stressBuilds = []string{"openblas-pthread", "openblas-openmp", "mkl", "libgomp"}

const stressFixture = "stress-fixture"

// stressSize reads BLASCTL_STRESS.
func stressSize(t *testing.T) (goroutines, scopes int) {
	switch s := os.Getenv("BLASCTL_STRESS"); s {
	case "":
		return 64, 200
	case "full":
		return 64, 10000
	default:
		var g, n int
		if _, err := fmt.Sscanf(s, "%dx%d", &g, &n); err != nil || g < 1 || n < 1 {
			t.Fatalf("BLASCTL_STRESS=%q: want full or GxS", s)
		}
		return g, n
	}
}

// probe reads one library's count for the calling thread through its own C
// getter.
type probe struct {
	name      string
	get       uintptr
	perThread bool
}

func (p probe) read() int { return libtest.Get(p.get) }

func stressRealChild(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	g, n := stressSize(t)
	runStress(t, buildProbes(b, libtest.Func(t, h, b.Probe)), g, n)
}

// buildProbes is the probe of build b's library, read through get.
func buildProbes(b libtest.Build, get uintptr) []probe {
	p := probe{b.Name, get, b.Scope == string(blasctl.ScopeThread)}
	if b.InternalAPI == "mkl" {
		// MKL's getter reads the thread's local count, or the global one
		// that concurrent Limits change: not this thread's alone.
		p.perThread = false
	}
	return []probe{p}
}

func stressFixtureChild(t *testing.T) {
	gomp := libtest.Named(t, "libgomp")[0].LoadAll(t)
	f := openFault(t, buildFault(t, "stress"))
	probes := []probe{
		{"fixture", f.get, false},
		{"libgomp", libtest.Func(t, gomp, "omp_get_max_threads"), true},
	}
	g, n := stressSize(t)
	runStress(t, probes, g, n)
}

// stressStats counts what a run did.
type stressStats struct {
	scopes, limits, panics, outOfOrder, wrongGoroutine, twice atomic.Int64
}

func runStress(t *testing.T, probes []probe, goroutines, scopes int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := make([]int, len(probes))
	fresh := make([]int, len(probes))
	for i, p := range probes {
		start[i] = p.read()
	}
	onThread(func() {
		for i, p := range probes {
			fresh[i] = p.read()
		}
	})
	goroutinesBefore := runtime.NumGoroutine()

	var (
		stats    stressStats
		mu       sync.Mutex
		failures []string
		failed   atomic.Int64
	)
	fail := func(format string, args ...any) {
		failed.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	check := func(where string, n int) {
		for _, p := range probes {
			if got := p.read(); got > n || got < 1 {
				fail("%s n=%d: %s reads %d", where, n, p.name, got)
			}
		}
	}

	// The watchdog: no scope ending for a minute is a deadlock.
	stop := make(chan struct{})
	watchdogDone := make(chan struct{})
	go func() {
		defer close(watchdogDone)
		last, idle := stats.scopes.Load(), 0
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if now := stats.scopes.Load(); now != last {
				last, idle = now, 0
				continue
			}
			if idle++; idle == 60 {
				buf := make([]byte, 1<<22)
				buf = buf[:runtime.Stack(buf, true)]
				fmt.Fprintf(os.Stderr, "watchdog: no scope ended for 60s after %d scopes: deadlock\n%s\n", last, buf)
				os.Exit(3)
			}
		}
	}()

	var (
		scope func(r *rand.Rand, depth int, budget *int)
		limit func(r *rand.Rand, budget *int)
	)
	scope = func(r *rand.Rand, depth int, budget *int) {
		*budget--
		n := 1 + r.Intn(4)
		defer func() {
			stats.scopes.Add(1)
			if p := recover(); p != nil {
				if p != "stress panic" {
					panic(p)
				}
				stats.panics.Add(1)
			}
		}()
		err := blasctl.WithThreads(n, func() {
			check("WithThreads", n)
			for depth < 3 && *budget > 0 && r.Intn(3) == 0 {
				scope(r, depth+1, budget)
				check("WithThreads after a nested scope", n)
			}
			if depth < 3 && *budget > 0 && r.Intn(10) == 0 {
				limit(r, budget)
				check("WithThreads after a nested Limit", n)
			}
			if r.Intn(100) == 0 {
				panic("stress panic")
			}
		})
		if err != nil {
			fail("WithThreads(%d): %v", n, err)
		}
	}
	limit = func(r *rand.Rand, budget *int) {
		*budget--
		n := 1 + r.Intn(4)
		restore, err := blasctl.Limit(n)
		stats.limits.Add(1)
		stats.scopes.Add(1)
		if err != nil {
			fail("Limit(%d): %v", n, err)
			return
		}
		check("Limit", n)
		switch r.Intn(4) {
		case 0: // restore out of order, inside a scope that began after
			stats.outOfOrder.Add(1)
			*budget--
			m := 1 + r.Intn(4)
			err := blasctl.WithThreads(m, func() {
				if err := restore(); err != nil {
					fail("out-of-order restore: %v", err)
				}
				check("WithThreads after an out-of-order restore", m)
			})
			stats.scopes.Add(1)
			if err != nil {
				fail("WithThreads(%d) around a restore: %v", m, err)
			}
			return
		case 1: // from another goroutine first: refused, nothing changes
			stats.wrongGoroutine.Add(1)
			errc := make(chan error)
			go func() { errc <- restore() }()
			if err := <-errc; !errors.Is(err, blasctl.ErrWrongGoroutine) {
				fail("restore from another goroutine: %v", err)
			}
			check("Limit after a refused restore", n)
		case 2:
			if *budget > 0 {
				scope(r, 1, budget)
				check("Limit after a nested scope", n)
			}
		}
		if err := restore(); err != nil {
			fail("restore: %v", err)
		}
		if r.Intn(4) == 0 {
			stats.twice.Add(1)
			if err := restore(); err != nil {
				fail("second restore: %v", err)
			}
		}
	}

	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			budget := scopes
			for budget > 0 {
				// A top-level operation leaves this thread's own counts as
				// it found them.
				runtime.LockOSThread()
				before := make([]int, len(probes))
				for i, p := range probes {
					before[i] = p.read()
				}
				if r.Intn(5) == 0 {
					limit(r, &budget)
				} else {
					scope(r, 0, &budget)
				}
				for i, p := range probes {
					if got := p.read(); p.perThread && got != before[i] {
						fail("after a top-level scope, this thread's %s reads %d, was %d", p.name, got, before[i])
					}
				}
				runtime.UnlockOSThread()
			}
		}(int64(g) + 1)
	}
	wg.Wait()
	close(stop)
	<-watchdogDone

	for i, p := range probes {
		if got := p.read(); got != start[i] {
			fail("after the stress, the test thread's %s reads %d, want %d", p.name, got, start[i])
		}
	}
	onThread(func() {
		for i, p := range probes {
			if got := p.read(); got != fresh[i] {
				fail("after the stress, a new thread's %s reads %d, want %d", p.name, got, fresh[i])
			}
		}
	})
	left := runtime.NumGoroutine()
	for wait := 0; left > goroutinesBefore && wait < 100; wait++ {
		time.Sleep(50 * time.Millisecond) // goroutines that just returned may not have exited yet
		left = runtime.NumGoroutine()
	}
	if left > goroutinesBefore {
		buf := make([]byte, 1<<20)
		fail("%d goroutines left, %d before:\n%s", left, goroutinesBefore, buf[:runtime.Stack(buf, true)])
	}
	t.Logf("stress figures: %d goroutines, %d scopes (%d Limit: %d restored out of order, %d refused from another goroutine, %d restored twice), %d panics, %d invariant violations",
		goroutines, stats.scopes.Load(), stats.limits.Load(), stats.outOfOrder.Load(), stats.wrongGoroutine.Load(), stats.twice.Load(), stats.panics.Load(), failed.Load())
	if len(failures) > 0 {
		t.Fatalf("%d invariant violations, first: %v", failed.Load(), failures)
	}
}
