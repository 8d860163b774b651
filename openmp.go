package blasctl

import (
	"strings"
)

// OpenMP runtimes: GNU libgomp, LLVM libomp, and Intel's libiomp5 (on
// Debian, libiomp5.so is a link to LLVM libomp). The thread count is the
// nthreads-var ICV, which each OS thread holds for itself.
//
// Library.ThreadingLayer names the runtime, told apart by what the object
// itself exports: "gnu" for GNU libgomp (GOMP_* entry points, no __kmpc_*);
// for the KMP family, which exports __kmpc_* (LLVM's also exports GOMP_*
// for compatibility), "intel" when the file, links resolved, is named
// libiomp*, else "llvm". Intel's runtime and LLVM's share one code base and
// one set of exports, so the resolved file name is what tells them apart:
// Debian's libiomp5.so, a link to libomp.so.5, is reported as "llvm".
// MSVC's vcomp*.dll (Windows) is "msvc", and its count is process-wide.
var openmpBackend = &backend{
	internalAPI: "openmp",
	userAPI:     UserAPIOpenMP,
	prefixes:    []string{"libgomp", "libomp", "libiomp"},
	open:        openOpenMP,
}

func openOpenMP(b *binder) *lib {
	ctl, ok := ompControl(b.sym)
	if !ok {
		return nil
	}
	if strings.HasPrefix(b.fileName(), "vcomp") {
		// MSVC's vcomp applies omp_set_num_threads to the whole process,
		// not to the calling thread (threadpoolctl issue 230).
		l := &lib{key: ctl.getFn, proc: newKnob(ctl, ScopeProcess)}
		l.info.ThreadingLayer = "msvc"
		return l
	}
	l := &lib{key: ctl.getFn, thread: newKnob(ctl, ScopeThread)}
	l.info.ThreadingLayer = ompRuntime(b)
	l.idle = ompIdleLevers(b.sym)
	return l
}

// ompRuntime names the OpenMP runtime b is: "gnu", "llvm", "intel" or "".
func ompRuntime(b *binder) string {
	switch {
	case b.sym("__kmpc_fork_call") != 0:
		if strings.HasPrefix(b.fileName(), "libiomp") {
			return "intel"
		}
		return "llvm"
	case b.sym("GOMP_parallel") != 0 || b.sym("GOMP_parallel_start") != 0:
		return "gnu"
	}
	return ""
}

// MixedOpenMP returns the OpenMP runtimes among libs (a Libraries result)
// when more than one distinct runtime file is loaded, and nil otherwise.
// Two OpenMP runtimes in one process (libgomp with libomp, or LLVM's libomp
// with Intel's libiomp5) each keep their own thread pool and settings, which
// oversubscribes the CPUs and is a known cause of crashes and deadlocks;
// blasctl limits each of them, but cannot make them share one pool.
func MixedOpenMP(libs []Library) []Library {
	var rts []Library
	files := map[string]bool{}
	for _, l := range libs {
		if l.InternalAPI == "openmp" && !files[l.Filepath] {
			files[l.Filepath] = true
			rts = append(rts, l)
		}
	}
	if len(rts) < 2 {
		return nil
	}
	return rts
}

// ompControl binds omp_get_max_threads and omp_set_num_threads with lookup.
// It is the calling thread's nthreads-var of one OpenMP runtime.
func ompControl(lookup func(string) uintptr) (intCount, bool) {
	c := intCount{getFn: lookup("omp_get_max_threads"), setFn: lookup("omp_set_num_threads")}
	return c, c.getFn != 0 && c.setFn != 0
}
