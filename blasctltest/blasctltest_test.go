package blasctltest_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/blasctltest"
	"github.com/blasctl/blasctl/internal/libtest"
)

// pinBuilds are the real libraries Pin is tested against.
var pinBuilds = []string{"openblas-pthread", "openblas-openmp", "mkl"}

// TestPin pins each real build in a child process of its own.
func TestPin(t *testing.T) {
	libtest.PerBuild(t, libtest.Named(t, pinBuilds...), pinSuite)
}

func pinSuite(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	probe := libtest.Func(t, h, b.Probe)
	setter := libtest.Func(t, h, b.Setter)
	// An odd starting value, so that a default cannot pass for restored.
	// MKL caps it at the CPU count.
	libtest.Set(setter, 3)
	start := libtest.Get(probe)
	if start < 2 {
		t.Skipf("%s keeps %d thread on this machine: nothing to pin", b.Name, start)
	}
	processWide := b.Scope == "process" || b.InternalAPI == "mkl" // Limit uses MKL's global count

	t.Run("PinnedThenRestored", func(t *testing.T) {
		// Keep this goroutine on one thread across Pin's cleanup, so that
		// the last read sees the thread Pin changed.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		libtest.Set(setter, start)
		t.Cleanup(func() { // runs after Pin's cleanup
			if got := libtest.Get(probe); got != start {
				t.Errorf("after the test: %s reads %d, want %d", b.Name, got, start)
			}
		})
		blasctltest.Pin(t, 1)
		if got := libtest.Get(probe); got != 1 {
			t.Errorf("pinned to 1: %s reads %d", b.Name, got)
		}
		libs, err := blasctl.Libraries()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range libs {
			if l.NumThreads != 1 {
				t.Errorf("pinned to 1: %s reports %d threads", l.InternalAPI, l.NumThreads)
			}
		}
		t.Run("Subtest", func(t *testing.T) {
			// A subtest runs on another goroutine: process-wide counts
			// reach it, per-thread ones do not. A process-wide count is
			// the smallest of the pins in force, so 2 stays 1 there.
			if processWide {
				if got := libtest.Get(probe); got != 1 {
					t.Errorf("subtest of a pinned test: %s reads %d", b.Name, got)
				}
			}
			want := 2
			if processWide {
				want = 1
			}
			blasctltest.Pin(t, 2)
			if got := libtest.Get(probe); got != want {
				t.Errorf("pinned to 2 in a subtest: %s reads %d, want %d", b.Name, got, want)
			}
		})
		if got := libtest.Get(probe); got != 1 {
			t.Errorf("after the subtest: %s reads %d, want the test's 1", b.Name, got)
		}
	})

	t.Run("InvalidCount", func(t *testing.T) {
		rec := &recorder{}
		done := make(chan struct{})
		go func() { // Fatal ends this goroutine
			defer close(done)
			blasctltest.Pin(rec, 0)
		}()
		<-done
		if !rec.fatal || len(rec.msgs) != 1 || !strings.Contains(rec.msgs[0], blasctl.ErrInvalidCount.Error()) {
			t.Errorf("Pin(0): fatal %v, messages %q", rec.fatal, rec.msgs)
		}
		if len(rec.cleanups) != 0 {
			t.Errorf("Pin(0) registered %d cleanups", len(rec.cleanups))
		}
	})

	t.Run("RestoreFailureFailsTest", func(t *testing.T) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		libtest.Set(setter, start)
		rec := &recorder{}
		blasctltest.Pin(rec, 1)
		if rec.fatal || len(rec.cleanups) != 1 {
			t.Fatalf("Pin(1): fatal %v, %d cleanups, messages %q", rec.fatal, len(rec.cleanups), rec.msgs)
		}
		// The cleanup on the wrong goroutine cannot restore: the test must
		// be marked failed. On the right one it then restores.
		cleanup := rec.cleanups[0]
		done := make(chan struct{})
		go func() { defer close(done); cleanup() }()
		<-done
		if len(rec.msgs) != 1 {
			t.Fatalf("cleanup on another goroutine: messages %q, want one error", rec.msgs)
		}
		rec.msgs = nil
		cleanup()
		if len(rec.msgs) != 0 {
			t.Errorf("cleanup on the test's goroutine: %q", rec.msgs)
		}
		if got := libtest.Get(probe); got != start {
			t.Errorf("after cleanup: %s reads %d, want %d", b.Name, got, start)
		}
	})
}

// recorder is a testing.TB that records what a helper does with it. Its
// cleanups run only when the test calls them.
type recorder struct {
	testing.TB
	msgs     []string
	fatal    bool
	cleanups []func()
}

func (r *recorder) Helper()           {}
func (r *recorder) Cleanup(fn func()) { r.cleanups = append(r.cleanups, fn) }
func (r *recorder) Errorf(f string, a ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(f, a...))
}
func (r *recorder) Fatalf(f string, a ...any) {
	r.Errorf(f, a...)
	r.fatal = true
	runtime.Goexit()
}
