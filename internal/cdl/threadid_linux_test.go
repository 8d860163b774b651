//go:build linux

package cdl

import (
	"runtime"
	"sync"
	"testing"
)

// TestThreadIDIsPthreadSelf checks, on many OS threads, that ThreadID is
// pthread_self's value (read without a C call on linux/amd64).
func TestThreadIDIsPthreadSelf(t *testing.T) {
	ThreadID()
	if pthreadSelf.fn == 0 {
		t.Skip("no pthread_self in libc.so.6 (musl): ThreadID is gettid")
	}
	if runtime.GOARCH == "amd64" && !pthreadSelf.tp {
		t.Error("the thread pointer is not pthread_self's value on this thread")
	}
	var wg sync.WaitGroup
	ids := make([]int, 16)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // ends the thread with the goroutine: 16 threads
			id, self := ThreadID(), int(Call0(pthreadSelf.fn))
			if id != self {
				t.Errorf("ThreadID() = %#x, pthread_self() = %#x", id, self)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
}

func BenchmarkThreadID(b *testing.B) {
	for b.Loop() {
		ThreadID()
	}
}
