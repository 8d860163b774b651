//go:build darwin

package cdl

import "sync"

// RTLDNoLoad is macOS's RTLD_NOLOAD; purego does not define it.
const RTLDNoLoad = 0x10

var pthreadSelf struct {
	once sync.Once
	fn   uintptr
}

// ThreadID identifies the calling OS thread (its pthread_t).
func ThreadID() int {
	pthreadSelf.once.Do(func() {
		pthreadSelf.fn = Sym(OpenNoLoad("/usr/lib/libSystem.B.dylib"), "pthread_self")
	})
	return int(Call0(pthreadSelf.fn))
}
