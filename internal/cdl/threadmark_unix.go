//go:build linux || darwin

package cdl

import (
	"runtime"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// A thread mark is a value kept in one POSIX thread-specific data slot
// (pthread_key_create) that only blasctl uses. The C library clears a
// thread's slots when the thread ends and a new thread starts with them
// empty, even when it is given the pthread_t (and the stack) of one that
// ended: so a mark tells one life of a thread from the next, which ThreadID
// cannot, for the cost of one C call (pthread_getspecific).

var threadMark struct {
	once     sync.Once
	key      *uint64 // pthread_key_t: unsigned int on glibc and musl, unsigned long on macOS
	get, set uintptr
}

// threadMarkInit creates the key once; get stays 0 when the C library has
// no thread-specific data to offer.
func threadMarkInit() {
	threadMark.once.Do(func() {
		libs := []string{"libc.so.6", "libpthread.so.0"} // glibc before 2.34 kept them in libpthread
		if runtime.GOOS == "darwin" {
			libs = []string{"/usr/lib/libSystem.B.dylib"}
		}
		for _, name := range libs {
			h := OpenNoLoad(name)
			if h == 0 {
				continue
			}
			create, get, set := Sym(h, "pthread_key_create"), Sym(h, "pthread_getspecific"), Sym(h, "pthread_setspecific")
			Close(h) // the C library is never unloaded: its functions stay
			if create == 0 || get == 0 || set == 0 {
				continue
			}
			key := new(uint64)
			if r, _, _ := purego.SyscallN(create, uintptr(unsafe.Pointer(key)), 0); r != 0 {
				return // out of keys: no marks
			}
			threadMark.key, threadMark.get, threadMark.set = key, get, set
			return
		}
	})
}

// ThreadMark returns the calling OS thread's mark: 0 until SetThreadMark
// gives it one, and 0 again on a thread that starts after it ended. ok is
// false where there are no marks (then every thread reads 0).
func ThreadMark() (mark uintptr, ok bool) {
	threadMarkInit()
	if threadMark.get == 0 {
		return 0, false
	}
	return Call1(threadMark.get, uintptr(*threadMark.key)), true
}

// SetThreadMark gives the calling OS thread the mark v (not 0); it reports
// whether marks are kept here.
func SetThreadMark(v uintptr) bool {
	threadMarkInit()
	if threadMark.set == 0 {
		return false
	}
	return Call2(threadMark.set, uintptr(*threadMark.key), v) == 0
}
