package blasctl

import (
	"runtime"

	"github.com/blasctl/blasctl/internal/cdl"
)

// Apple Accelerate (vecLib's libBLAS, macOS 15 and later), recognised on the
// file names dyld lists for it (Accelerate, vecLib, libBLAS.dylib) and claimed
// only when the object has BLASSetThreading and BLASGetThreading.
//
// Accelerate keeps its threading model per OS thread (ScopeThread) and has two
// models only, single- or multi-threaded: WithThreads(1) selects
// single-threaded, n > 1 multi-threaded. Library.NumThreads is 1 for the
// single-threaded model, and for the multi-threaded model the count Accelerate
// may use: APPLE_NTHREADS() where the library exports it, else the CPU count.
// A scope of n > 1 below that count therefore cannot be honoured and fails
// with ErrNotApplied (Select the other libraries, or use n = 1, there).
// The restore puts back the model that was read before.
var accelerateBackend = &backend{
	internalAPI: "accelerate",
	userAPI:     UserAPIBLAS,
	prefixes:    []string{"accelerate", "veclib", "libblas.dylib"},
	open:        openAccelerate,
}

// BLAS_THREADING values of vecLib's thread_api.h.
const (
	blasMultiThreaded  = 0
	blasSingleThreaded = 1
)

func openAccelerate(b *binder) *lib {
	get, set := b.sym("BLASGetThreading"), b.sym("BLASSetThreading")
	if get == 0 || set == 0 {
		return nil
	}
	c := accelerateModel{getFn: get, setFn: set, nthreads: b.sym("APPLE_NTHREADS")}
	l := &lib{key: get, thread: newKnob(c, ScopeThread)}
	return l
}

// accelerateModel is the calling thread's BLAS_THREADING. Its raw values are
// the model itself: 1 (single) is also the count 1, and 0 (multi) is never a
// count, so set takes either a model read by get or a count of at least 1.
type accelerateModel struct{ getFn, setFn, nthreads uintptr }

func (c accelerateModel) get() int { return int(int32(cdl.Call0(c.getFn))) }

func (c accelerateModel) set(v int) {
	model := blasMultiThreaded
	if v == blasSingleThreaded {
		model = blasSingleThreaded
	}
	cdl.Call1(c.setFn, uintptr(model))
}

func (c accelerateModel) threads() int {
	if c.get() == blasSingleThreaded {
		return 1
	}
	if c.nthreads != 0 {
		if n := int(int32(cdl.Call0(c.nthreads))); n >= 1 {
			return n
		}
	}
	return runtime.NumCPU()
}
