package blasctl

import (
	"errors"
	"sync/atomic"

	"github.com/blasctl/blasctl/internal/cdl"
)

// IdlePolicy says what the worker threads of the loaded libraries do once a
// call has returned and no other call follows.
//
// Each library's runtime offers its own lever, acting on a different reach;
// IdleSleep uses the one each library has (README, "Idle threads"):
//
//   - LLVM libomp and Intel libiomp5 (also MKL's Intel layer, whose threads
//     are libiomp5's): the blocktime, kmp_set_blocktime, a setting of the
//     calling thread that the team it forks copies. Under IdleSleep every
//     scope sets its OS thread's blocktime to 1 ms on entry and puts the
//     value it read back on exit, so the team forked inside the scope spins
//     about 1 ms after its last call and then sleeps; putting the value back
//     does not wake it. Nothing outlives the scope. A blocktime of at most
//     1 ms already, or KMP_BLOCKTIME=infinite (which the runtime honours
//     whatever a thread sets), is left alone.
//   - GNU libgomp (also OpenBLAS and BLIS built with it, and MKL's GNU
//     layer): its spin (GOMP_SPINCOUNT) is read at load, with no setter.
//     Under IdleSleep, a scope that leaves its OS thread with no scope or
//     Limit active calls omp_pause_resource_all, which in libgomp ends the
//     calling thread's own team (its threads exit: libgomp's pool belongs to
//     the thread that forked it, so no other thread's calls are touched);
//     the next parallel region on that thread starts the team again, which
//     costs a thread start per worker. So it does so only for a scope that
//     began at least 10 ms after the thread's previous one ended: calls a
//     few times a second end their team each time, back-to-back scopes
//     keep it, and after the last of them it spins as libgomp's own spin
//     says (a few ms). It changes no setting: there is nothing to undo.
//   - The pthreads OpenBLAS: its spin (OPENBLAS_THREAD_TIMEOUT) is read at
//     load, and its only lever, blas_thread_shutdown_, acts on the whole
//     process and is unsafe while any thread is inside OpenBLAS. No scope
//     uses it: ParkWorkers does, at a moment its caller vouches for (the
//     gonum drop-in under its admission gate). On Windows its workers wait
//     on an event without spinning, and its shutdown leaves a pool that a
//     later count does not start whole: ParkWorkers leaves it alone there.
//   - BLIS with pthreads starts and joins its threads in every call, and
//     MKL's sequential layer and serial builds have none: nothing spins.
//   - MKL 2020.4 has no idle control of its own (mkl_set_dynamic chooses
//     counts, mkl_free_buffers frees memory): its threads are its OpenMP
//     runtime's, and that runtime's lever applies.
//
// The policy is the process's, for every Controller: the threads it acts on
// are the runtimes', which every Controller shares. The levers act through
// the runtimes among the libraries a scope selects: a Controller that
// selects MKL alone reaches libiomp5 only when it selects it too (the
// OpenMP builds of OpenBLAS carry their runtime's levers themselves).
// Calls made outside any scope get no per-scope lever.
type IdlePolicy int

const (
	// IdleDefault leaves each library's own behaviour: many keep their
	// workers spinning for a while after a call (the pthreads OpenBLAS for
	// about 0.1 s, LLVM libomp and Intel libiomp5 for 200 ms, libgomp for
	// a few ms), so that the next call starts a little sooner.
	IdleDefault IdlePolicy = iota
	// IdleSleep makes the workers of the OpenMP runtimes stop spinning
	// about a millisecond after the last call of a scope, and lets
	// ParkWorkers stop the pools that only it can stop (see IdlePolicy).
	IdleSleep
)

// idlePolicy is the process's IdlePolicy.
var idlePolicy atomic.Int32

// SetIdlePolicy sets the idle policy of the whole process, for every
// Controller, and returns the policy it replaces. An unknown policy returns
// an error and changes nothing.
//
// Scopes that begin after the call follow the new policy; a scope already
// running keeps what it applied and undoes it at its end. Turning the policy
// back to IdleDefault leaves nothing behind: the blocktime a scope set is
// put back by that scope, libgomp's ended teams and a parked OpenBLAS pool
// start again at their next call, as they would have at load.
func SetIdlePolicy(p IdlePolicy) (previous IdlePolicy, err error) {
	if p != IdleDefault && p != IdleSleep {
		return IdlePolicy(idlePolicy.Load()), errInvalidPolicy(p)
	}
	return IdlePolicy(idlePolicy.Swap(int32(p))), nil
}

// CurrentIdlePolicy returns the process's idle policy.
func CurrentIdlePolicy() IdlePolicy { return IdlePolicy(idlePolicy.Load()) }

// ParkWorkers stops the worker pools that can only be stopped while no call
// is in flight in any thread: the pthreads OpenBLAS's, through its
// blas_thread_shutdown_, which ends its threads for the whole process. The
// caller guarantees that no call into any loaded BLAS library runs in any
// thread until ParkWorkers returns (a scope may begin or end meanwhile:
// blasctl's own count changes wait for it). The next call starts the pool
// again, with the count that applies then, and computes what it would have;
// a count raised after ParkWorkers starts the threads it needs.
//
// ParkWorkers acts whatever the policy; ParkWanted says whether the policy
// asks for it. It leaves alone the OpenBLAS versions whose pool does not
// come back whole after a shutdown (before 0.3.4, whose setter starts
// threads that the next call starts again; 0.3.28, whose shutdown frees the
// buffers a thread added by a later count needs). It returns
// ErrUnsupported where blasctl cannot list the loaded libraries, else nil.
func ParkWorkers() error {
	libs, err := loaded()
	if err != nil && errors.Is(err, ErrUnsupported) {
		return err
	}
	// counts.mu orders the shutdown after any count change blasctl makes
	// (every set of the pthreads OpenBLAS's count runs under it): a pool
	// growing while it shuts down would start threads twice.
	counts.mu.Lock()
	defer counts.mu.Unlock()
	for _, l := range libs {
		if l.idle.shutdown != 0 && !l.gone.Load() {
			cdl.Call0(l.idle.shutdown)
		}
	}
	return nil
}

// ParkWanted reports whether the policy is IdleSleep and a loaded library
// has a pool that only ParkWorkers stops (the pthreads OpenBLAS). It takes
// no lock while nothing was loaded or unloaded, and calls no library: the
// gonum drop-in asks it when the last call in flight leaves its admission
// gate, and calls ParkWorkers before it admits the next one.
func ParkWanted() bool {
	if IdlePolicy(idlePolicy.Load()) != IdleSleep {
		return false
	}
	libs, _ := loaded()
	for _, l := range libs {
		if l.idle.shutdown != 0 && !l.gone.Load() {
			return true
		}
	}
	return false
}
