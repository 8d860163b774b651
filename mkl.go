package blasctl

import (
	"regexp"
	"sync/atomic"

	"github.com/blasctl/blasctl/internal/cdl"
)

// Intel MKL through its single dynamic library, libmkl_rt. Only the
// MixedCase exports are used: the lower-case ones take their arguments by
// pointer (Fortran convention) and crash when called by value.
var mklBackend = &backend{
	internalAPI: "mkl",
	userAPI:     UserAPIBLAS,
	prefixes:    []string{"libmkl_rt"},
	open:        openMKL,
}

// MKL_Set_Threading_Layer(-1) answers.
var mklLayers = map[int]string{
	-1: "not specified", 0: "intel", 1: "sequential", 2: "pgi", 3: "gnu", 4: "tbb",
}

var mklVersionRE = regexp.MustCompile(`Version ([^ ]+) `)

func openMKL(b *binder) *lib {
	getMax := b.sym("MKL_Get_Max_Threads")
	if getMax == 0 {
		return nil
	}
	l := &lib{key: getMax}
	setLocal := b.sym("MKL_Set_Num_Threads_Local")
	if setLocal != 0 {
		l.thread = newKnob(localCount{getMax: getMax, setLocal: setLocal}, ScopeThread)
	}
	if p := b.sym("MKL_Get_Version_String"); p != 0 {
		if m := mklVersionRE.FindStringSubmatch(cdl.CallBuf(p, 256)); m != nil {
			l.info.Version = m[1]
		}
	}
	// The layer is only chosen at MKL's first call, so make one first.
	if p := b.sym("MKL_Set_Threading_Layer"); p != 0 {
		cdl.Call0(getMax)
		l.info.ThreadingLayer = mklLayers[int(int32(cdl.Call1(p, uintptr(negOne))))]
	}
	if p := b.sym("MKL_Domain_Set_Num_Threads"); p != 0 {
		l.proc = newKnob(mklAll{getMax: getMax, domainSet: p, setLocal: setLocal, last: new(atomic.Int64)}, ScopeProcess)
	}
	if l.thread == nil && l.proc == nil {
		return nil
	}
	return l
}

// negOne is -1 as a C int argument.
const negOne = ^uintptr(0)

// mklAll is MKL's process-wide count for every domain
// (MKL_Domain_Set_Num_Threads with MKL_DOMAIN_ALL). In MKL 2020.4 it is the
// same setting as MKL_Set_Num_Threads's and MKL_NUM_THREADS's (measured: a
// count set by either is unset by MKL_Domain_Set_Num_Threads(0, ALL)), and
// 0 unsets it: each thread then runs its OpenMP count. A thread's local
// count still wins over it.
type mklAll struct {
	getMax, domainSet, setLocal uintptr
	// last is the value blasctl last set (0 before any): it settles only
	// what MKL's own readings leave open (see get).
	last *atomic.Int64
}

// mklDomainAll is MKL_DOMAIN_ALL.
const mklDomainAll = 0

// get reads the raw count, 0 for unset. MKL has no getter for it, so get
// tells it by its effect, on the calling thread with its local count put
// aside: the count MKL runs with it, then without it (unset); a difference
// means it was set, to the first reading, which get puts back. When the two
// readings agree, the count is either unset or set to exactly what applies
// without it (the thread's OpenMP count); only then does the value blasctl
// last set decide between the two, and a count blasctl never set reads as
// unset: unsetting it changes no count that applies.
func (c mklAll) get() int {
	local := 0
	if c.setLocal != 0 {
		local = int(int32(cdl.Call1(c.setLocal, 0)))
	}
	with := int(int32(cdl.Call0(c.getMax)))
	cdl.Call2(c.domainSet, 0, mklDomainAll)
	raw := 0
	if without := int(int32(cdl.Call0(c.getMax))); without != with || c.last.Load() == int64(with) {
		raw = with
		cdl.Call2(c.domainSet, uintptr(raw), mklDomainAll)
	}
	if local != 0 {
		cdl.Call1(c.setLocal, uintptr(local))
	}
	return raw
}

func (c mklAll) set(v int) {
	cdl.Call2(c.domainSet, uintptr(v), mklDomainAll)
	c.last.Store(int64(v))
}

func (c mklAll) threads() int { return int(int32(cdl.Call0(c.getMax))) }
