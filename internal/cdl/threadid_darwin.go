//go:build darwin

package cdl

import "sync"

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
