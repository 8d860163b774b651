package blasctl

// OpenMP runtimes: GNU libgomp, LLVM libomp, and Intel's libiomp5 (on
// Debian, libiomp5.so is a link to LLVM libomp). The thread count is the
// nthreads-var ICV, which each OS thread holds for itself.
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
	return &lib{key: ctl.getMax, thread: newKnob(ctl, ScopeThread)}
}

// ompICV is the calling thread's nthreads-var of one OpenMP runtime.
type ompICV struct{ getMax, setNum uintptr }

// ompControl binds omp_get_max_threads and omp_set_num_threads with lookup.
func ompControl(lookup func(string) uintptr) (ompICV, bool) {
	c := ompICV{getMax: lookup("omp_get_max_threads"), setNum: lookup("omp_set_num_threads")}
	return c, c.getMax != 0 && c.setNum != 0
}

func (c ompICV) get() int     { return int(int32(call0(c.getMax))) }
func (c ompICV) set(v int)    { call1(c.setNum, uintptr(v)) }
func (c ompICV) threads() int { return c.get() }
