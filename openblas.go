package blasctl

import (
	"strings"

	"github.com/blasctl/blasctl/internal/cdl"
)

// OpenBLAS, under every name it ships with: Debian's libopenblas.so.0 and
// libopenblas64.so.0, scipy-openblas's libscipy_openblas*, and builds whose
// symbols carry a prefix or an ILP64 suffix.
var openblasBackend = &backend{
	internalAPI: "openblas",
	userAPI:     UserAPIBLAS,
	prefixes:    []string{"libopenblas", "libscipy_openblas"},
	open:        openOpenBLAS,
}

var (
	openblasSymbolPrefixes = []string{"", "scipy_"}
	openblasSymbolSuffixes = []string{"", "64_", "_64"}
)

// openblas_get_parallel values.
var openblasLayers = map[int]string{0: "disabled", 1: "pthreads", 2: "openmp"}

func openOpenBLAS(b *binder) *lib {
	for _, pre := range openblasSymbolPrefixes {
		for _, suf := range openblasSymbolSuffixes {
			sym := func(name string) uintptr { return b.sym(pre + name + suf) }
			get, set := sym("openblas_get_num_threads"), sym("openblas_set_num_threads")
			if get == 0 || set == 0 {
				continue
			}
			return newOpenBLAS(b, sym, get, set)
		}
	}
	return nil
}

func newOpenBLAS(b *binder, sym func(string) uintptr, get, set uintptr) *lib {
	l := &lib{key: get}
	if p := sym("openblas_get_corename"); p != 0 {
		l.info.Architecture = cdl.GoString(cdl.Call0(p))
	}
	l.info.ThreadingLayer = "unknown"
	config := ""
	if p := sym("openblas_get_config"); p != 0 {
		config = cdl.GoString(cdl.Call0(p))
	}
	parallel, hasParallel := 0, false
	if p := sym("openblas_get_parallel"); p != 0 {
		parallel, hasParallel = int(int32(cdl.Call0(p))), true
		if layer, ok := openblasLayers[parallel]; ok {
			l.info.ThreadingLayer = layer
		}
	}
	l.info.Version = openblasVersion(config)
	l.info.ThreadUnsafe = openblasThreadUnsafe(parallel, hasParallel, config, cdl.RealPath(b.obj.path))
	if l.info.ThreadingLayer == "openmp" {
		// An OpenMP build runs each call with the calling thread's OpenMP
		// count (nthreads-var of the runtime it links to): that is the
		// control, for scopes and limits alike. Its own global count is left
		// alone: every call resets it from the calling thread's OpenMP count
		// (num_cpu_avail), so it limits nothing, and its setter frees the
		// per-thread buffers above the new count (adjust_thread_buffers)
		// while calls made from other threads may be using them: a scope
		// that set it made products computed beside it wrong.
		if icv, ok := ompControl(b.symDep); ok {
			l.thread = newKnob(icv, ScopeThread)
			l.idle = ompIdleLevers(b.symDep) // its runtime's levers
			return l
		}
	}
	global := &openblasGlobal{seqCount{getFn: get, setFn: set, obj: identify(set)}}
	if identify(get) != global.obj {
		global.obj = objectID{} // two objects: the lookup of one would not vouch for the other
	}
	if l.info.ThreadingLayer == "pthreads" {
		l.idle = openblasIdleLevers(sym, l.info.Version)
	}
	global.get() // the pool it starts with
	l.proc = newKnob(global, ScopeProcess)
	l.lockFree = true // C getters and setters, safe from any thread
	return l
}

// openblasVersion reads the version from openblas_get_config(), whose second
// word it is ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...").
func openblasVersion(config string) string {
	f := strings.Fields(config)
	if len(f) < 2 || f[0] != "OpenBLAS" {
		return ""
	}
	return f[1]
}

// openblasGlobal is the process-wide count of a pthreads (or serial) build,
// a seqCount: its getter and setter are plain C calls. A serial build always
// reads 1 and ignores set. A pthreads build starts the threads a larger
// count needs as soon as it is set, and keeps them for the life of the
// process: seqCount's cap at its peak keeps a scope from leaving threads
// behind.
type openblasGlobal struct{ seqCount }

func (c *openblasGlobal) get() int     { return c.got(cdl.Call0(c.getFn)) }
func (c *openblasGlobal) set(v int)    { cdl.Call1(c.setCall(v)) }
func (c *openblasGlobal) threads() int { return int(int32(cdl.Call0(c.getFn))) }
