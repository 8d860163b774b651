package blasgonum

import (
	"sync"

	"github.com/blasctl/blasctl"
)

// serialized takes blasctl.CallGuard for one call passed on to the wrapped
// implementation when the guard is the mutex, and returns it for the
// caller to unlock, or nil when it does nothing: every method of the
// wrapper starts with
//
//	if g := serialized(); g != nil {
//		defer g.Unlock()
//	}
//
// While a library that is not safe to call from two OS threads at once is
// loaded (blasctl.Library.ThreadUnsafe: a single-threaded OpenBLAS built
// without USE_LOCKING), the calls through every wrapper, and a user's own
// calls under blasctl.CallGuard, run one at a time; otherwise CallGuard
// returns a Locker that does nothing (never a *sync.Mutex), which the
// wrapper skips: a call through the wrapper then costs one atomic load and
// one type check more than the call itself. It is taken first, before any
// scope locks the goroutine to its OS thread, so that a call waiting for
// it holds no thread.
func serialized() *sync.Mutex {
	if m, ok := blasctl.CallGuard().(*sync.Mutex); ok {
		m.Lock()
		return m
	}
	return nil
}
