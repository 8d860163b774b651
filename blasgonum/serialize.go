package blasgonum

import (
	"sync"

	"github.com/blasctl/blasctl"
)

// serialize takes blasctl.CallGuard for one call passed on to the wrapped
// implementation and returns it for the caller to unlock: every method of
// the wrapper starts with
//
//	defer serialize().Unlock()
//
// While a library that is not safe to call from two OS threads at once is
// loaded (blasctl.Library.ThreadUnsafe: a single-threaded OpenBLAS built
// without USE_LOCKING), the calls through every wrapper, and a user's own
// calls under blasctl.CallGuard, run one at a time; otherwise the guard
// does nothing. It is taken first, before any scope locks the goroutine
// to its OS thread, so that a call waiting for it holds no thread.
func serialize() sync.Locker {
	g := blasctl.CallGuard()
	g.Lock()
	return g
}
