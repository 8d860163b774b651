package blasctl

import (
	"strings"

	"github.com/blasctl/blasctl/internal/cdl"
)

// BLIS (flame/blis) and AMD's AOCL-BLIS, recognised by a file name starting
// with libblis (libblis.so.4, AOCL's libblis-mt.so) or libaocl, and claimed
// only when the object itself defines bli_thread_get_num_threads and
// bli_thread_set_num_threads. Debian's blis-pthread and blis-openmp
// libblas.so.3 export no bli_ symbol at all: a BLIS loaded under that name
// offers no thread control, and blasctl does not report it.
//
// The stored count has three lives:
//
//   - BLIS 0.4 to 0.9: one count for the whole process (ScopeProcess). The
//     environment is read into it at BLIS's first use: BLIS_NUM_THREADS, else
//     OMP_NUM_THREADS (0.9.0 ignores BLIS_NT), else -1, "unset". Values are
//     stored as given (0, -5, ...), and blasctl puts back exactly the value
//     it saved, -1 included.
//   - BLIS 1.0 and later (bli_thread_get_thread_impl exported): one count per
//     OS thread (ScopeThread), read from the environment by each thread.
//   - AOCL-BLIS: one count per OS thread (ScopeThread); n < 1 becomes 1.
//     Until a thread sets a count, AOCL follows that thread's OpenMP count;
//     AOCL has no way to unset it, so after a scope the thread keeps the
//     value read before the scope as a set count.
//
// In every version, ways set through BLIS_{JC,PC,IC,JR,IR}_NT (or
// bli_thread_set_ways) win over the count: Library.NumThreads reports the
// product of the ways then, and 1 for an unset count, because that is what
// a BLIS call runs with. A scope that cannot lower the ways fails with
// ErrNotApplied instead of pretending.
var blisBackend = &backend{
	internalAPI: "blis",
	userAPI:     UserAPIBLAS,
	prefixes:    []string{"libblis", "libaocl"},
	open:        openBLIS,
}

// bli_thread_get_thread_impl values of BLIS 1.x, as threading layers.
var blisImpls = map[int]string{0: "disabled", 1: "openmp", 2: "pthreads", 3: "hpx"}

func openBLIS(b *binder) *lib {
	get, set := b.sym("bli_thread_get_num_threads"), b.sym("bli_thread_set_num_threads")
	if get == 0 || set == 0 {
		return nil
	}
	ctl := blisCount{getFn: get, setFn: set, setWay: 1}
	if b.sym("bli_thread_get_thread_impl") != 0 {
		ctl.setWay = 2 // BLIS 1.x: an unset way reads 1 (seen on Debian 13's 1.1)
	}
	for i, w := range []string{"jc", "pc", "ic", "jr", "ir"} {
		ctl.ways[i] = b.sym("bli_thread_get_" + w + "_nt")
	}
	l := &lib{key: get}
	if p := b.sym("bli_info_get_version_str"); p != 0 {
		l.info.Version = cdl.GoString(cdl.Call0(p))
	}
	if q, s := b.sym("bli_arch_query_id"), b.sym("bli_arch_string"); q != 0 && s != 0 {
		l.info.Architecture = cdl.GoString(cdl.Call1(s, cdl.Call0(q)))
	}
	impl := b.sym("bli_thread_get_thread_impl")
	l.info.ThreadingLayer = blisLayer(b, impl)
	if impl != 0 || isAOCL(b.fileName(), l.info.Version) {
		l.thread = newKnob(ctl, ScopeThread)
	} else {
		l.proc = newKnob(ctl, ScopeProcess)
	}
	return l
}

// blisLayer names the threading BLIS runs with: from the current
// implementation in 1.x, from what was compiled in before.
func blisLayer(b *binder, impl uintptr) string {
	if impl != 0 {
		if layer, ok := blisImpls[int(int32(cdl.Call0(impl)))]; ok {
			return layer
		}
		return "unknown"
	}
	enabled := func(name string) bool {
		p := b.sym(name)
		return p != 0 && cdl.Call0(p) != 0
	}
	switch {
	case enabled("bli_info_get_enable_openmp"):
		return "openmp"
	case enabled("bli_info_get_enable_pthreads"):
		return "pthreads"
	case b.sym("bli_info_get_enable_threading") != 0:
		return "disabled"
	}
	return "unknown"
}

// isAOCL tells AMD's fork by its file name (libblis-mt, libaocl*) or by its
// version string, which names AOCL.
func isAOCL(name, version string) bool {
	return strings.HasPrefix(name, "libblis-mt") || strings.HasPrefix(name, "libaocl") ||
		strings.Contains(strings.ToLower(version), "aocl")
}

// blisCount is BLIS's stored count (a dim_t, int64): process-wide in 0.9,
// per OS thread in 1.x and AOCL. ways are the getters of the five loop
// ways, where present. A way reading setWay or more is set: 0.9 reads an
// unset way as -1 and 1.x as 1, where only ways above 1 win over the count.
type blisCount struct {
	getFn, setFn uintptr
	ways         [5]uintptr
	setWay       int
}

func (c blisCount) get() int  { return int(int64(cdl.Call0(c.getFn))) }
func (c blisCount) set(v int) { cdl.Call1(c.setFn, uintptr(int64(v))) }

// threads is what a BLIS call from this thread runs with: the product of
// the ways when any is set, else the count, else 1.
func (c blisCount) threads() int {
	prod, set := 1, false
	for _, w := range c.ways {
		if w == 0 {
			continue
		}
		if v := int(int64(cdl.Call0(w))); v >= c.setWay {
			prod *= v
			set = true
		}
	}
	if set {
		return prod
	}
	if v := c.get(); v >= 1 {
		return v
	}
	return 1
}
