//go:build linux

package cdl

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// TestThreadMark: a mark stays with its thread, another thread does not see
// it, and a thread that starts after a marked one ended starts unmarked,
// also when it is given the ended thread's pthread_t (glibc hands a new
// thread the pthread_t of one that ended, from its cache of stacks).
func TestThreadMark(t *testing.T) {
	if _, ok := ThreadMark(); !ok {
		t.Fatal("no thread-specific data in the C library")
	}
	type seen struct {
		tid  int
		mark uintptr
	}
	runLocked := func(fn func() seen) seen {
		ch := make(chan seen)
		go func() {
			runtime.LockOSThread() // exits locked: the runtime ends the thread
			ch <- fn()
		}()
		return <-ch
	}
	var marked seen
	for marked.tid == 0 {
		marked = runLocked(func() seen {
			if unix.Gettid() == unix.Getpid() {
				runtime.UnlockOSThread() // the main thread never ends
				return seen{}
			}
			if !SetThreadMark(42) {
				t.Error("SetThreadMark failed")
			}
			m, _ := ThreadMark()
			return seen{ThreadID(), m}
		})
	}
	if marked.mark != 42 {
		t.Fatalf("the marked thread reads %d", marked.mark)
	}
	// Eight threads at once, ending together, so that the runtime starts
	// new ones.
	reused, started := 0, 0
	for range 40 {
		ch := make(chan seen)
		for range 8 {
			go func() {
				runtime.LockOSThread()
				m, _ := ThreadMark()
				ch <- seen{ThreadID(), m}
			}()
		}
		for range 8 {
			s := <-ch
			started++
			if s.mark != 0 {
				t.Fatalf("a new thread (%#x; the marked one was %#x) reads the mark %d", s.tid, marked.tid, s.mark)
			}
			if s.tid == marked.tid {
				reused++
			}
		}
	}
	t.Logf("figures: %d new threads, %d of them with the marked thread's pthread_t", started, reused)
	if reused == 0 {
		t.Error("no new thread was given the ended thread's pthread_t: the test proves nothing")
	}
}
