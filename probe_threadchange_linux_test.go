package blasctl_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
	"golang.org/x/sys/unix"
)

// Probes of a scope whose fn unlocks its own OS thread: fn calls
// runtime.UnlockOSThread once more than it locked, and its goroutine moves
// to another thread before the scope ends. The end must change nothing on
// the new thread, say so (ErrThreadChanged), put back every process-wide
// count, and lose no per-thread count of the thread the scope began on.

// keeper is a goroutine locked to the OS thread a moved scope began on, so
// that the probe can read that thread's counts and begin a scope there.
type keeper struct {
	do chan func()
}

// run runs fn on the keeper's thread and waits for it.
func (k *keeper) run(fn func()) {
	done := make(chan struct{})
	k.do <- func() { fn(); close(done) }
	<-done
}

// stop unlocks the keeper's thread (so that it does not end) and ends the
// keeper.
func (k *keeper) stop() { close(k.do) }

// leaveThread unlocks the calling goroutine unlocks times and moves it off
// its OS thread: a new goroutine, which runs next on this thread once the
// caller parks, locks itself to it. The caller then runs on another
// thread, since a locked thread runs only its own goroutine. It returns the
// keeper of the thread left.
//
// A keeper that lands on another thread (another thread stole it, and the
// caller then resumes there) stays locked to that thread until the end, so
// that the caller cannot settle on it: the scheduler has to run the caller,
// and the next keeper, on a thread no keeper holds, which sooner or later is
// the one left.
func leaveThread(t *testing.T, unlocks int) *keeper {
	from := unix.Gettid()
	for range unlocks {
		runtime.UnlockOSThread()
	}
	var missed []*keeper
	defer func() {
		for _, k := range missed {
			k.stop()
		}
	}()
	for range 64 {
		k := &keeper{do: make(chan func())}
		on := make(chan int)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			on <- unix.Gettid()
			for fn := range k.do {
				fn()
			}
		}()
		if <-on == from {
			if unix.Gettid() == from {
				t.Fatal("the goroutine runs on the thread its keeper is locked to")
			}
			return k
		}
		missed = append(missed, k)
	}
	t.Fatal("no keeper got the thread left")
	return nil
}

// entry is a way into a scope: it runs fn inside, with locks
// LockOSThread calls of blasctl's on the goroutine, and returns the
// scope's error.
type entry struct {
	name string
	// locks is how many times the entry locks the goroutine for fn.
	locks int
	run   func(fn func()) error
}

var movedEntries = []entry{
	{"WithThreads", 1, func(fn func()) error { return blasctl.WithThreads(1, fn) }},
	{"WithFairShare", 1, blasctl.WithFairShare},
	{"Limit", 1, func(fn func()) error {
		restore, err := blasctl.Limit(1)
		if err != nil {
			return err
		}
		fn()
		return restore()
	}},
}

// TestProbeMovedScopePerThread: on a per-thread count (libgomp, and the
// OpenMP OpenBLAS, which runs each call with its thread's OpenMP count), a
// scope begun on thread A (count 3) ends on thread B (count 2). B must keep
// 2, the end must return ErrThreadChanged, and A, which keeps the scope's
// count meanwhile, must read 3 again inside and after the next scope there.
// (Class: a count restored on the wrong thread.)
func TestProbeMovedScopePerThread(t *testing.T) {
	for _, b := range []struct{ name, load string }{
		{"libgomp", libgomp},
		{"openblas-openmp", openblasOpenMP},
	} {
		for _, e := range movedEntries {
			t.Run(b.name+"/"+e.name, func(t *testing.T) {
				if !probeChild(t, "moved-thread-"+b.name+"-"+e.name, []string{b.load, libgomp}) {
					return
				}
				libtest.Open(t, b.load)
				h := libtest.Open(t, libgomp)
				get := bind(t, h, "omp_get_max_threads")
				set := libtest.Func(t, h, "omp_set_num_threads")

				runtime.LockOSThread() // the probe's own lock: thread A
				defer runtime.UnlockOSThread()
				libtest.Set(set, 3)
				var k *keeper
				var inside, b0 int
				err := e.run(func() {
					inside = get()
					// The probe's own lock, and once more than fn locked.
					k = leaveThread(t, 1+e.locks)
					// On thread B: one lock for the scope's own unlock, one
					// kept after it, to read B's count.
					for range 1 + e.locks {
						runtime.LockOSThread()
					}
					libtest.Set(set, 2)
					b0 = get()
				})
				if k == nil {
					return
				}
				defer k.stop()
				if inside == 3 {
					t.Fatalf("inside the scope thread A's OpenMP count read 3: the scope changed nothing")
				}
				if !errors.Is(err, blasctl.ErrThreadChanged) {
					t.Errorf("a scope that ended on another thread returned %v, want ErrThreadChanged", err)
				}
				if v := get(); v != b0 {
					t.Errorf("thread B's OpenMP count went %d -> %d at the end of a scope begun on thread A", b0, v)
				}
				var left, again, after int
				k.run(func() { left = get() })
				var err2 error
				k.run(func() {
					err2 = blasctl.WithThreads(1, func() { again = get() })
					after = get()
				})
				if err2 != nil {
					t.Error(err2)
				}
				if left != inside {
					t.Errorf("thread A's count read %d after the moved scope, want the scope's %d until the next scope there", left, inside)
				}
				if again != 1 || after != 3 {
					t.Errorf("the next scope on thread A read %d inside and left %d, want 1 and the 3 saved before the moved scope", again, after)
				}
				// And the engine still works on both threads.
				for _, th := range []func(func()){func(fn func()) { fn() }, k.run} {
					th(func() {
						before := get()
						if err := blasctl.WithThreads(1, func() {}); err != nil {
							t.Error(err)
						}
						if v := get(); v != before {
							t.Errorf("a scope after the moved one left %d, want %d", v, before)
						}
					})
				}
				t.Logf("figures: %s on %s: inside %d, thread A left %d then %d, thread B %d: %v", e.name, b.name, inside, left, after, b0, err)
			})
		}
	}
}

// TestProbeMovedScopeProcessWide: on a process-wide count (the pthreads
// OpenBLAS) a scope or Limit that ends on another thread still puts the
// count back (it is not per thread), and says it moved. (Class: a count
// restored on the wrong thread.)
func TestProbeMovedScopeProcessWide(t *testing.T) {
	for _, e := range movedEntries {
		t.Run(e.name, func(t *testing.T) {
			if !probeChild(t, "moved-thread-pthread-"+e.name, []string{openblasPthread}) {
				return
			}
			h := libtest.Open(t, openblasPthread)
			get := bind(t, h, "openblas_get_num_threads")
			set := libtest.Func(t, h, "openblas_set_num_threads")
			libtest.Set(set, 2)
			before := get()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var k *keeper
			inside := 0
			err := e.run(func() {
				k = leaveThread(t, 1+e.locks)
				for range e.locks {
					runtime.LockOSThread()
				}
				inside = get()
			})
			if k == nil {
				return
			}
			k.stop()
			if !errors.Is(err, blasctl.ErrThreadChanged) {
				t.Errorf("a scope that ended on another thread returned %v, want ErrThreadChanged", err)
			}
			if v := get(); v != before {
				t.Errorf("OpenBLAS's process-wide count is %d after the moved scope, want %d back", v, before)
			}
			if runtime.NumCPU() >= 2 && inside != 1 && e.name != "WithFairShare" {
				t.Errorf("inside the scope OpenBLAS read %d, want 1", inside)
			}
			// Nothing is left held: the next scope and its end work.
			if err := blasctl.WithThreads(1, func() {}); err != nil {
				t.Error(err)
			}
			if v := get(); v != before {
				t.Errorf("after the next scope OpenBLAS reads %d, want %d", v, before)
			}
			t.Logf("figures: %s: %d inside, %d after: %v", e.name, inside, get(), err)
		})
	}
}

// TestProbeMovedScopeOverlap: thread A, left by a scope's goroutine, is
// taken by another goroutine whose scope begins there before the moved
// scope ends. That scope saved the moved one's count; at its end it must
// put back the count A had before the moved scope. (Class: a count
// restored on the wrong thread.)
func TestProbeMovedScopeOverlap(t *testing.T) {
	if !probeChild(t, "moved-thread-overlap", []string{libgomp}) {
		return
	}
	h := libtest.Open(t, libgomp)
	get := bind(t, h, "omp_get_max_threads")
	set := libtest.Func(t, h, "omp_set_num_threads")
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	libtest.Set(set, 3)
	var k *keeper
	inner := make(chan error)
	release := make(chan struct{})
	err := blasctl.WithThreads(1, func() {
		k = leaveThread(t, 2)
		runtime.LockOSThread() // for the scope's own unlock
		// The keeper's scope on thread A begins inside the moved one and
		// ends after it.
		go k.run(func() {
			inner <- blasctl.WithThreads(2, func() { inner <- nil; <-release })
		})
		<-inner
	})
	if k == nil {
		return
	}
	defer k.stop()
	close(release)
	if err2 := <-inner; err2 != nil {
		t.Error(err2)
	}
	if !errors.Is(err, blasctl.ErrThreadChanged) {
		t.Errorf("a scope that ended on another thread returned %v, want ErrThreadChanged", err)
	}
	var after int
	k.run(func() { after = get() })
	if after != 3 {
		t.Errorf("thread A reads %d after both scopes, want the 3 it had before them", after)
	}
}
