package blasctl

import (
	"fmt"

	"github.com/blasctl/blasctl/internal/cdl"
)

// Arm Performance Libraries (libarmpl_lp64_mp.so, libarmpl_ilp64.so, ...),
// claimed when the object defines armplversion or dgemm_. Arm PL runs its
// threads as OpenMP threads: an OpenMP build (the _mp files) is limited
// through omp_set_num_threads of the OpenMP runtime it links to, per OS
// thread (ScopeThread), as an OpenMP OpenBLAS is. A sequential build always
// runs 1 thread and has nothing to set.
var armplBackend = &backend{
	internalAPI: "armpl",
	userAPI:     UserAPIBLAS,
	prefixes:    []string{"libarmpl"},
	open:        openArmPL,
}

func openArmPL(b *binder) *lib {
	version := b.sym("armplversion")
	key := version
	if key == 0 {
		key = b.sym("dgemm_")
	}
	if key == 0 {
		return nil
	}
	l := &lib{key: key}
	if version != 0 {
		major, minor, patch, tag := cdl.CallInts3Str(version)
		l.info.Version = fmt.Sprintf("%d.%d.%d", major, minor, patch)
		if tag != "" {
			l.info.Version += "-" + tag
		}
	}
	if icv, ok := ompControl(b.symDep); ok {
		l.info.ThreadingLayer = "openmp"
		l.thread = newKnob(icv, ScopeThread)
		return l
	}
	l.info.ThreadingLayer = "disabled"
	l.proc = newKnob(serialCount{}, ScopeProcess)
	return l
}

// serialCount is a library that always runs one thread.
type serialCount struct{}

func (serialCount) get() int     { return 1 }
func (serialCount) set(int)      {}
func (serialCount) threads() int { return 1 }
