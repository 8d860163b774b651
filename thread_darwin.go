//go:build darwin

package blasctl

import "sync"

var pthreadSelf struct {
	once sync.Once
	fn   uintptr
}

// threadID identifies the calling OS thread (its pthread_t).
func threadID() int {
	pthreadSelf.once.Do(func() {
		pthreadSelf.fn = dlsym(dlopenNoLoad("/usr/lib/libSystem.B.dylib"), "pthread_self")
	})
	return int(call0(pthreadSelf.fn))
}
