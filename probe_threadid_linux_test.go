package blasctl_test

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/libtest"
	"golang.org/x/sys/unix"
)

// Probes of identity by a reusable id: glibc hands the pthread_t of a
// thread that ended to a new one, which must not inherit the dead thread's
// limits or restores.

// TestProbeRestoreAfterGoroutineExit: a Limit's restore belongs to the
// goroutine that took it. Once that goroutine has exited (its locked OS
// thread ends with it, and the C library may hand the thread's pthread_t to
// a new thread), restore from any other goroutine must return
// ErrWrongGoroutine and touch nothing: not the caller's own counts, not its
// LockOSThread. (Class: identity by a reusable id.)
func TestProbeRestoreAfterGoroutineExit(t *testing.T) {
	if !probeChild(t, "exit", []string{libgomp}) {
		return
	}
	h := libtest.Open(t, libgomp)
	get := bind(t, h, "omp_get_max_threads")
	set := libtest.Func(t, h, "omp_set_num_threads")
	// The main thread never ends: the limit is taken on another one.
	restore, limitTID := limitOnEndingThread(t, 1)
	// Each round locks several goroutines to threads at once, so that the
	// runtime starts new ones (where glibc hands out the pthread_t of a
	// thread that ended), and lets them all exit locked, which ends their
	// threads too.
	var restores, reused atomic.Int64
	onNewThreads(40, func(round int) {
		libtest.Set(set, 3)
		tid := cdl.ThreadID()
		if tid == limitTID {
			reused.Add(1)
		}

		err := restore()
		restores.Add(1)
		if !errors.Is(err, blasctl.ErrWrongGoroutine) {
			t.Errorf("round %d: restore from another goroutine (thread %#x, the limit's %#x): %v, want ErrWrongGoroutine", round, tid, limitTID, err)
		} else if v := get(); v != 3 {
			t.Errorf("round %d: a refused restore changed the caller's OpenMP count to %d", round, v)
		}
	})
	t.Logf("figures: %d restores from other goroutines, %d on a thread with the limit's pthread_t", restores.Load(), reused.Load())
}

// TestProbeDeadLimitOnReusedThread: a Limit whose goroutine ended without
// restoring stays in place for good, also for scopes on a new thread that
// glibc gave the dead thread's pthread_t: that thread must not inherit the
// dead goroutine's holds as its own outer scope (a nested scope replaces its
// own goroutine's outer one), or its WithThreads(2) would run with 2 on a
// process-wide library. (Class: identity by a reusable id.)
func TestProbeDeadLimitOnReusedThread(t *testing.T) {
	if !probeChild(t, "dead-limit-reuse", []string{openblasPthread}) {
		return
	}
	if runtime.NumCPU() < 2 {
		t.Skip("WithThreads(2) runs 1 thread on 1 CPU: the probe proves nothing")
	}
	h := libtest.Open(t, openblasPthread)
	get := bind(t, h, "openblas_get_num_threads")
	_, dead := limitOnEndingThread(t, 1)
	var scopes, reused, wrong atomic.Int64
	onNewThreads(40, func(round int) {
		tid := cdl.ThreadID()
		if tid == dead {
			reused.Add(1)
		}
		err := blasctl.WithThreads(2, func() {
			if got := get(); got != 1 {
				wrong.Add(1)
				t.Errorf("round %d: WithThreads(2) beside a never-restored Limit(1) reads %d (thread %#x, the limit's %#x)", round, got, tid, dead)
			}
		})
		scopes.Add(1)
		if err != nil {
			t.Error(err)
		}
	})
	if got := get(); got != 1 {
		t.Errorf("after the scopes: %d, want the never-restored limit's 1", got)
	}
	t.Logf("figures: %d scopes on new threads, %d on a thread with the dead limit's pthread_t, %d ran with 2", scopes.Load(), reused.Load(), wrong.Load())
}

// limitOnEndingThread takes Limit(n) on a goroutine locked to a thread other
// than the main one and lets that goroutine end without restoring, which
// ends its thread too. It returns the restore and the thread's pthread_t.
func limitOnEndingThread(t *testing.T, n int) (restore func() error, tid int) {
	t.Helper()
	type taken struct {
		restore func() error
		tid     int
	}
	got := make(chan taken)
	for {
		go func() {
			runtime.LockOSThread() // exits locked: the runtime ends this thread
			if unix.Gettid() == unix.Getpid() {
				runtime.UnlockOSThread() // the main thread never ends
				got <- taken{}
				return
			}
			restore, err := blasctl.Limit(n)
			if err != nil {
				t.Error(err)
			}
			got <- taken{restore, cdl.ThreadID()}
		}()
		if lim := <-got; lim.restore != nil {
			return lim.restore, lim.tid
		}
	}
}

// onNewThreads runs fn on 8 goroutines at once, each locked to an OS thread
// that ends with it, for rounds rounds: the runtime starts new threads, and
// glibc hands them the pthread_t of threads that ended.
func onNewThreads(rounds int, fn func(round int)) {
	for round := range rounds {
		var wg sync.WaitGroup
		arrived := make(chan struct{})
		var count atomic.Int64
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread() // exits locked: its thread ends
				if count.Add(1) == 8 {
					close(arrived)
				}
				<-arrived
				fn(round)
			}()
		}
		wg.Wait()
	}
}
