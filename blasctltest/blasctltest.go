// Package blasctltest provides test helpers for code that calls BLAS or
// OpenMP libraries: pin their thread counts for one test, so that results
// and timings do not depend on the machine's CPU count.
package blasctltest

import (
	"testing"

	"github.com/blasctl/blasctl"
)

// Pin limits every library blasctl detects to n threads for the rest of the
// test and puts every count back when the test and its subtests end.
//
// Process-wide counts (OpenBLAS pthreads, MKL's count for all domains) apply to the
// whole process, so other tests running in parallel see them too. Per-thread
// counts (OpenMP runtimes, OpenBLAS built with OpenMP) apply to the test's
// own goroutine, which Pin keeps locked to its OS thread until cleanup;
// goroutines the test starts are covered only by the process-wide counts.
//
// Pins nest: a subtest may pin its own count, put back when it ends. While
// pins overlap, a process-wide count is the smallest n among them.
//
// A pin is an explicit count, and an explicit count wins over the automatic
// one: blasctl.WithFairShare calls on the test's goroutine (among them the
// fair-shared calls of blasgonum's drop-in) run with min(n, their share)
// threads until cleanup. A pin on another goroutine caps them only through a
// process-wide count.
//
// Call Pin from the test's goroutine, after the libraries are loaded: it
// covers the libraries loaded when it is called. It stops the test with
// Fatal if a count cannot be applied (n < 1, or a library that keeps more
// than n threads), and marks the test failed if a count is not restored.
func Pin(tb testing.TB, n int) {
	tb.Helper()
	restore, err := blasctl.Limit(n)
	if err != nil {
		tb.Fatalf("blasctltest: pin threads to %d: %v", n, err)
	}
	tb.Cleanup(func() {
		if err := restore(); err != nil {
			tb.Errorf("blasctltest: restore thread counts pinned to %d: %v", n, err)
		}
	})
}
