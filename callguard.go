package blasctl

import (
	"sync"
	"sync/atomic"
)

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
// returns the same process-wide mutex, a *sync.Mutex; otherwise it returns
// a Locker whose Lock and Unlock do nothing, never a *sync.Mutex, at the
// cost of one atomic load. Take it around each of your own calls into the
// library (cgo, purego):
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
	if guardSeen.Load() == guardNone {
		return noGuard{} // small enough to inline: every drop-in call makes it
	}
	return guardSlow()
}

// guardSlow is CallGuard when the guard is the mutex or not known yet.
func guardSlow() sync.Locker {
	if guardSeen.Load() == guardMutex {
		return &callGuard
	}
	libs, _ := loaded()
	return guardFor(libs)
}

// guardSeen is what the libraries blasctl last found need (guardNone or
// guardMutex; guardUnlisted before the first listing), so that CallGuard,
// which every drop-in call makes, costs one atomic load.
var guardSeen atomic.Int32

const (
	guardUnlisted int32 = iota
	guardNone
	guardMutex
)

// noteGuard records the guard that calls into libs, the libraries a
// listing just found, need.
func noteGuard(libs []*lib) {
	if _, ok := guardFor(libs).(*sync.Mutex); ok {
		guardSeen.Store(guardMutex)
		return
	}
	guardSeen.Store(guardNone)
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
