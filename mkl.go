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
		if get := b.sym("MKL_Domain_Get_Max_Threads"); get != 0 {
			for _, d := range mklDomains {
				c := mklAll{getMax: get, domainSet: p, setLocal: setLocal, last: new(atomic.Int64), domain: d}
				l.procAlso = append(l.procAlso, newKnob(c, ScopeProcess))
			}
		}
	}
	if l.thread == nil && l.proc == nil {
		return nil
	}
	return l
}

// negOne is -1 as a C int argument.
const negOne = ^uintptr(0)

// mklAll is MKL's process-wide count for every domain
// (MKL_Domain_Set_Num_Threads with MKL_DOMAIN_ALL), or, with domain set,
// for one domain. In MKL 2020.4 the count for all is the same setting as
// MKL_Set_Num_Threads's and MKL_NUM_THREADS's (measured: a count set by
// either is unset by MKL_Domain_Set_Num_Threads(0, ALL)), and 0 unsets it:
// each thread then runs its OpenMP count. A domain's own count
// (MKL_DOMAIN_NUM_THREADS="MKL_DOMAIN_BLAS=2", or the program's
// MKL_Domain_Set_Num_Threads(2, MKL_DOMAIN_BLAS)) wins over the count for
// all, and 0 unsets it too (measured on 2020.4: with BLAS at 2, the count for
// all at 1 leaves BLAS calls at 2). A thread's local count wins over both.
type mklAll struct {
	// getMax reads the count that applies: MKL_Get_Max_Threads for all
	// domains, MKL_Domain_Get_Max_Threads for one.
	getMax, domainSet, setLocal uintptr
	// last is the value blasctl last set (0 before any): it settles only
	// what MKL's own readings leave open (see get).
	last *atomic.Int64
	// domain is MKL_DOMAIN_ALL or the one domain.
	domain int
}

// mklDomainAll is MKL_DOMAIN_ALL.
const mklDomainAll = 0

// mklDomains are the domains with a count of their own: BLAS, FFT, VML,
// PARDISO and LAPACK (oneMKL 2025.2 on; 2020.4 refuses to set it and reads
// the count for all there, so it is left alone).
var mklDomains = []int{1, 2, 3, 4, 5}

// read returns the count that applies to the control's domain on the
// calling thread.
func (c mklAll) read() int {
	if c.domain == mklDomainAll {
		return int(int32(cdl.Call0(c.getMax)))
	}
	return int(int32(cdl.Call1(c.getMax, uintptr(c.domain))))
}

// get reads the raw count, 0 for unset. MKL has no getter for it, so get
// tells it by its effect, on the calling thread with its local count put
// aside: the count MKL runs with it, then without it (unset); a difference
// means it was set, to the first reading, which get puts back. When the two
// readings agree, the count is either unset or set to exactly what applies
// without it (the thread's OpenMP count); only then does the value blasctl
// last set decide between the two, and a count blasctl never set reads as
// unset: unsetting it changes no count that applies.
//
// A domain MKL refuses to set (MKL_Domain_Set_Num_Threads returns 0) reads
// 0: it has no count of its own to put back.
func (c mklAll) get() int {
	local := 0
	if c.setLocal != 0 {
		local = int(int32(cdl.Call1(c.setLocal, 0)))
	}
	with := c.read()
	raw := 0
	if cdl.Call2(c.domainSet, 0, uintptr(c.domain)) != 0 {
		if without := c.read(); without != with || c.last.Load() == int64(with) {
			raw = with
			cdl.Call2(c.domainSet, uintptr(raw), uintptr(c.domain))
		}
	}
	if local != 0 {
		cdl.Call1(c.setLocal, uintptr(local))
	}
	return raw
}

func (c mklAll) set(v int) {
	cdl.Call2(c.domainSet, uintptr(v), uintptr(c.domain))
	c.last.Store(int64(v))
}

func (c mklAll) threads() int { return c.read() }
