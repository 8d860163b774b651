package blasctl

import "sync"

// callGuard is the one mutex CallGuard hands out.
var callGuard sync.Mutex

// noGuard is CallGuard's Locker while every loaded library is safe to call
// from several threads at once.
type noGuard struct{}

func (noGuard) Lock()   {}
func (noGuard) Unlock() {}

// CallGuard returns the lock that serializes calls into a library that is
// not safe to call from two OS threads at once (Library.ThreadUnsafe: an
// OpenBLAS built with USE_THREAD=0 and without USE_LOCKING, such as
// Debian's libopenblas0-serial). While such a library is loaded, every call
// returns the same process-wide mutex; otherwise it returns a Locker whose
// Lock and Unlock do nothing, at the cost of a few loads. Take it around
// each of your own calls into the library (cgo, purego):
//
//	g := blasctl.CallGuard()
//	g.Lock()
//	C.cblas_dgemm(...)
//	g.Unlock()
//
// Unlock the Locker you locked: a library loaded in between changes what
// the next call returns, not the one you hold.
//
// The gonum drop-in (blasgonum) takes the same lock around each call it
// passes on, so that its calls and yours exclude each other. The lock is
// not reentrant: do not hold it around a call through blasgonum, nor take
// it twice on one goroutine.
//
// Take it before runtime.LockOSThread and before WithThreads or
// WithFairShare, never inside them: a goroutine that waits for it while
// locked to its OS thread holds that thread, and Go starts another for
// the goroutines left to run.
//
// It looks at the libraries blasctl last found (a scope, Libraries, or this
// call when nothing was looked at yet, which lists the loaded objects
// once). After your program loads a BLAS with dlopen, call Libraries once
// before relying on the guard.
func CallGuard() sync.Locker {
	d := det.current.Load()
	if d == nil {
		libs, _ := loaded()
		return guardFor(libs)
	}
	return guardFor(d.libs)
}

// guardFor is the guard that calls into libs need.
func guardFor(libs []*lib) sync.Locker {
	for _, l := range libs {
		if l.info.ThreadUnsafe {
			return &callGuard
		}
	}
	return noGuard{}
}
