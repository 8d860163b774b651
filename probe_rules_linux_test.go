package blasctl_test

import (
	"runtime"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// Probes of rules README states, checked on the real pthreads OpenBLAS: what
// a scope leaves of the threads it made a library start, and a Limit that is
// never restored.

// TestProbeIdleThreadsRule checks the stated rule on idle threads against
// OpenBLAS's pthreads build started with OPENBLAS_NUM_THREADS=1: a scope
// that asks for more threads, up to the CPU count, makes OpenBLAS start them
// and keep them, idle, after the scope (the count comes back, the threads do
// not); above the CPU count no further thread is started.
func TestProbeIdleThreadsRule(t *testing.T) {
	if !probeChild(t, "idle", []string{openblasPthread}, "OPENBLAS_NUM_THREADS=1") {
		return
	}
	h := libtest.Open(t, openblasPthread)
	get := bind(t, h, "openblas_get_num_threads")
	if get() != 1 {
		t.Fatalf("OPENBLAS_NUM_THREADS=1 reads %d: the probe proves nothing", get())
	}
	cpus := runtime.NumCPU()
	before := libtest.LibraryThreads(t)
	if err := blasctl.WithThreads(1000, func() {
		if got := get(); got != cpus {
			t.Errorf("WithThreads(1000) on %d CPUs reads %d, want the cap %d", cpus, got, cpus)
		}
	}); err != nil {
		t.Fatal(err)
	}
	after := libtest.LibraryThreads(t)
	if get() != 1 {
		t.Errorf("the count did not come back: %d", get())
	}
	if grew := after - before; cpus > 1 && grew != cpus-1 {
		t.Errorf("the library grew the process by %d threads, want the %d a pool of %d keeps beyond its first", grew, cpus-1, cpus)
	}
	t.Logf("figures: %d CPUs; threads not Go's: %d before, %d after WithThreads(1000) and its restore to 1", cpus, before, after)
}

// TestProbeLimitNeverRestored checks the documented rule: a Limit whose
// goroutine ends without restoring stays in place for good; a later scope
// asking for more on a process-wide library still runs with the limit's
// count, and succeeds.
func TestProbeLimitNeverRestored(t *testing.T) {
	if !probeChild(t, "never-restored", []string{openblasPthread}) {
		return
	}
	h := libtest.Open(t, openblasPthread)
	get := bind(t, h, "openblas_get_num_threads")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := blasctl.Limit(1); err != nil {
			t.Error(err)
		}
		// Ends without calling restore.
	}()
	<-done
	if err := blasctl.WithThreads(2, func() {
		if got := get(); got != 1 {
			t.Errorf("WithThreads(2) beside a never-restored Limit(1) reads %d, want 1", got)
		}
	}); err != nil {
		t.Error(err)
	}
	if got := get(); got != 1 {
		t.Errorf("after the scope: %d, want the limit's 1 still", got)
	}
}
