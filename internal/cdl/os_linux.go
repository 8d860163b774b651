//go:build linux

package cdl

import (
	"sync"

	"golang.org/x/sys/unix"
)

// RTLDNoLoad is glibc's RTLD_NOLOAD; purego does not define it.
const RTLDNoLoad = 0x4

var pthreadSelf struct {
	once sync.Once
	fn   uintptr
}

// ThreadID identifies the calling OS thread: its pthread_t, which one C
// call reads faster than the gettid system call takes (on the benchmark VM,
// about 40 ns against 200 ns, and every scope reads it). Without
// pthread_self it falls back to the kernel's thread id; the two are never
// mixed in one process.
func ThreadID() int {
	pthreadSelf.once.Do(func() {
		if libc := OpenNoLoad("libc.so.6"); libc != 0 {
			pthreadSelf.fn = Sym(libc, "pthread_self")
		}
	})
	if pthreadSelf.fn == 0 {
		return unix.Gettid()
	}
	return int(Call0(pthreadSelf.fn))
}
