package blasctl

import "github.com/blasctl/blasctl/internal/cdl"

// InScope reports whether the calling goroutine is inside a WithThreads or
// WithFairShare scope, or holds a Limit not restored yet, of any
// Controller. Such a goroutine is locked to its OS thread, so code that
// would otherwise wait before calling a BLAS (an admission gate, a queue)
// can let it through instead of holding the thread while it waits.
//
// InScope never waits and makes no system call: it reads what blasctl
// keeps for the calling OS thread. For a goroutine inside a scope or a
// Limit it is always true. For any other goroutine it is false, except in
// two rare cases where it is true: the goroutine moved twice during the
// call, off a thread that another goroutine then locked for a scope and
// back onto it once that scope ended; or it runs on a thread whose earlier
// goroutine ended without restoring its Limit. On a platform without
// thread ids, where scopes do not run, it is false.
func InScope() bool { return onScopeThread() }

// onScopeThread reports whether the calling goroutine runs on an OS thread
// with an active frame, and was on it before and after reading the frame
// count: a goroutine locked inside a scope or Limit never moves, while one
// that moved off the thread during the read, as another goroutine locked
// the thread for a scope, reads another id the second time.
func onScopeThread() bool {
	tid := cdl.ThreadID()
	if tid == 0 {
		return false
	}
	return threadStateOf(tid).depth.Load() > 0 && cdl.ThreadID() == tid
}
