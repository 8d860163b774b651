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
// two rare cases where it is true: the goroutine moved, during the call,
// off a thread that another goroutine then locked for a scope; or it runs
// on a thread whose earlier goroutine ended without restoring its Limit.
// On a platform without thread ids, where scopes do not run, it is false.
func InScope() bool {
	tid := cdl.ThreadID()
	if tid == 0 {
		return false
	}
	return threadStateOf(tid).depth.Load() > 0
}
