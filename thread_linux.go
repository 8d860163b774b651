//go:build linux

package blasctl

import (
	"sync"

	"golang.org/x/sys/unix"
)

var pthreadSelf struct {
	once sync.Once
	fn   uintptr
}

// threadID identifies the calling OS thread: its pthread_t, which one C
// call reads faster than the gettid system call takes (on the benchmark VM,
// about 40 ns against 200 ns, and every scope reads it). Without
// pthread_self it falls back to the kernel's thread id; the two are never
// mixed in one process.
func threadID() int {
	pthreadSelf.once.Do(func() {
		if libc := dlopenNoLoad("libc.so.6"); libc != 0 {
			pthreadSelf.fn = dlsym(libc, "pthread_self")
		}
	})
	if pthreadSelf.fn == 0 {
		return unix.Gettid()
	}
	return int(call0(pthreadSelf.fn))
}
