package blasctl_test

import (
	"errors"
	"math"
	"runtime"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// TestBadInput tries every kind of bad argument and misuse against real
// builds, one child process each, and checks each documented answer and
// that the library's count and the process's thread count are untouched.
func TestBadInput(t *testing.T) {
	libtest.PerBuild(t, libtest.Named(t, "openblas-pthread", "openblas-openmp", "mkl", "libgomp"), badInputChild)
}

// badInputCounts are the counts tried, each with what it is.
var badInputCounts = []struct {
	what string
	n    int
}{
	{"zero", 0},
	{"negative", -1},
	{"most negative", math.MinInt},
	{"CPU count + 1", runtime.NumCPU() + 1},
	{"OpenBLAS MAX_THREADS", 64},
	{"OpenBLAS MAX_THREADS + 1", 65},
	{"thousand", 1000},
	{"largest C int", math.MaxInt32},
	{"largest C int + 1", math.MaxInt32 + 1},
	{"2^32 + 1 (1 as a C int)", 1<<32 + 1},
	{"largest int", math.MaxInt},
}

func badInputChild(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	get := libtest.Func(t, h, b.Probe)
	read := func() int { return libtest.Get(get) }
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := read()
	tasks := libtest.Threads(t)
	// What a scope may read at most, besides n: OpenBLAS pthreads is capped
	// at the CPU count or its pool (WithThreads' doc).
	ceiling := math.MaxInt
	if b.InternalAPI == "openblas" && b.Scope == "process" {
		ceiling = max(runtime.NumCPU(), start)
	}
	tried := 0

	for _, c := range badInputCounts {
		tried += 2
		ran, inside := false, 0
		err := blasctl.WithThreads(c.n, func() { ran, inside = true, read() })
		restore, lerr := blasctl.Limit(c.n)
		if c.n < 1 {
			if !errors.Is(err, blasctl.ErrInvalidCount) || ran {
				t.Errorf("WithThreads(%s): err %v, fn ran %v", c.what, err, ran)
			}
			if !errors.Is(lerr, blasctl.ErrInvalidCount) || restore == nil || restore() != nil {
				t.Errorf("Limit(%s): err %v", c.what, lerr)
			}
		} else {
			if err != nil || !ran || inside < 1 || inside > min(c.n, ceiling) {
				t.Errorf("WithThreads(%s): err %v, ran %v, read %d inside (at most %d)", c.what, err, ran, inside, min(c.n, ceiling))
			}
			if lerr != nil {
				t.Errorf("Limit(%s): %v", c.what, lerr)
			} else {
				if got := read(); got < 1 || got > min(c.n, ceiling) {
					t.Errorf("Limit(%s) reads %d", c.what, got)
				}
				if err := restore(); err != nil {
					t.Errorf("restore of Limit(%s): %v", c.what, err)
				}
			}
		}
		if got := read(); got != start {
			t.Errorf("after %s: reads %d, want %d", c.what, got, start)
		}
	}
	// Counts above the CPU count must not leave threads behind: OpenBLAS
	// pthreads would keep up to 62 extra threads after set(1000). A few
	// threads of the Go runtime's own are allowed.
	if grown := libtest.Threads(t) - tasks; grown > 4 {
		t.Errorf("the process has %d more threads after the large counts", grown)
	}

	tried++
	if err := blasctl.WithThreads(1, nil); !errors.Is(err, blasctl.ErrNilFunc) {
		t.Errorf("nil fn: %v", err)
	}
	tried++
	if err := blasctl.WithThreads(0, nil); !errors.Is(err, blasctl.ErrInvalidCount) {
		t.Errorf("nil fn and n 0: %v, want ErrInvalidCount (checked first)", err)
	}

	// Limit on its own goroutine (it locks it), restore misused.
	onThread(func() {
		restore, err := blasctl.Limit(1)
		if err != nil {
			t.Error(err)
			return
		}
		tried++
		var wrong error
		onThread(func() { wrong = restore() })
		if !errors.Is(wrong, blasctl.ErrWrongGoroutine) || read() != 1 {
			t.Errorf("restore from another goroutine: %v, reads %d (want ErrWrongGoroutine, 1)", wrong, read())
		}
		tried++
		if err := restore(); err != nil {
			t.Errorf("restore: %v", err)
		}
		tried++
		if err := restore(); err != nil {
			t.Errorf("restore twice: %v", err)
		}
		tried++
		onThread(func() { wrong = restore() })
		if wrong != nil {
			t.Errorf("restore from another goroutine after it was done: %v, want nil", wrong)
		}
		if got := read(); got != start {
			t.Errorf("after restore: %d, want %d", got, start)
		}

		// Restore inside a scope that began after the limit: the scope's n
		// holds to its end, then the count before the limit.
		tried++
		restore, err = blasctl.Limit(2)
		if err != nil {
			t.Error(err)
			return
		}
		if err := blasctl.WithThreads(1, func() {
			if err := restore(); err != nil {
				t.Errorf("restore inside a later scope: %v", err)
			}
			if got := read(); got != 1 {
				t.Errorf("the scope reads %d after the limit ended inside it, want 1", got)
			}
		}); err != nil {
			t.Error(err)
		}
		if got := read(); got != start {
			t.Errorf("after an out-of-order restore: %d, want %d", got, start)
		}

		// A limit inside a scope holds on the scope's thread too (MKL keeps
		// a local count there that its global limit alone would not beat).
		tried++
		if err := blasctl.WithThreads(2, func() {
			restore, err := blasctl.Limit(1)
			if err != nil {
				t.Errorf("Limit(1) inside WithThreads(2): %v", err)
				return
			}
			if got := read(); got != 1 {
				t.Errorf("Limit(1) inside WithThreads(2) reads %d", got)
			}
			if err := restore(); err != nil {
				t.Error(err)
			}
			if got := read(); got > 2 {
				t.Errorf("back in WithThreads(2) after the limit: %d", got)
			}
		}); err != nil {
			t.Error(err)
		}
	})
	if got := read(); got != start {
		t.Errorf("at the end: %d, want %d", got, start)
	}
	t.Logf("bad-input figures: %d bad inputs and misuses tried against %s", tried, b.Name)
}
