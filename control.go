package blasctl

import "github.com/blasctl/blasctl/internal/cdl"

// control is one thread-count setting of a loaded library.
type control interface {
	// get returns the raw stored value, exactly as set would need it to put
	// the setting back (BLIS's -1 "unset", MKL's local 0 "none", ...).
	get() int
	// set stores a raw value: a count of at least 1, or a value get returned.
	set(v int)
	// threads returns the count that applies to calls made from the calling
	// OS thread.
	threads() int
}

// A control whose get and set are one C call each, taking at most one
// integer, and whose get is also what applies (threads), can run a get, set
// and read-back as one cdl.Seq, one trip into C: a seqControl, whose count
// is a seqCount (seqcount.go). The pthreads OpenBLAS's count is the one such
// control; knob.seq holds its seqCount.

// intCount is a count read and written through a C getter int(void) and
// setter void(int), whose stored value is also what applies: an OpenMP
// runtime's nthreads-var (omp_get_max_threads, omp_set_num_threads),
// FlexiBLAS's and libblastrampoline's counts.
type intCount struct{ getFn, setFn uintptr }

func (c intCount) get() int     { return int(int32(cdl.Call0(c.getFn))) }
func (c intCount) set(v int)    { cdl.Call1(c.setFn, uintptr(v)) }
func (c intCount) threads() int { return c.get() }

// localCount is the calling thread's own count of a library whose setter
// returns the previous local value, 0 meaning none (MKL's
// MKL_Set_Num_Threads_Local, NVPL's nvpl_blas_set_num_threads_local); the
// count that applies is read by getMax.
type localCount struct{ getMax, setLocal uintptr }

// get reads the local value: the setter is the only reader, so swap it out
// and back.
func (c localCount) get() int {
	prev := int(int32(cdl.Call1(c.setLocal, 0)))
	cdl.Call1(c.setLocal, uintptr(prev))
	return prev
}
func (c localCount) set(v int)    { cdl.Call1(c.setLocal, uintptr(v)) }
func (c localCount) threads() int { return int(int32(cdl.Call0(c.getMax))) }
