//go:build linux

package blasctl

import (
	"sync"
	"sync/atomic"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/phdr"
)

// The Linux seam of detection: the C library's loader lists the objects
// (internal/phdr, dl_iterate_phdr) and counts loads and unloads.

// loaderGeneration reads the loader's load counters; ok is false where the
// C library does not provide them or they count something unknown (then
// every call rescans).
func loaderGeneration() (generation, bool, error) {
	kind := loaderCounts()
	var own uint64
	if kind == countsOpens {
		own = cdl.LockOpens()
	}
	g, ok, err := phdr.Check()
	if kind == countsOpens {
		cdl.UnlockOpens()
	}
	if err != nil {
		return generation{}, false, ErrUnsupported
	}
	return kind.generation(g, own), ok && kind != countsUnknown, nil
}

// listObjects lists every loaded object, with the generation the list
// belongs to.
func listObjects() ([]object, generation, bool, error) {
	kind := loaderCounts()
	var own uint64
	if kind == countsOpens {
		own = cdl.LockOpens()
	}
	list, g, ok, err := phdr.List()
	if kind == countsOpens {
		cdl.UnlockOpens()
	}
	if err != nil {
		return nil, generation{}, false, ErrUnsupported
	}
	objs := make([]object, len(list))
	for i, o := range list {
		objs[i] = object{path: o.Path, segments: o.Segments}
	}
	return objs, kind.generation(g, own), ok && kind != countsUnknown, nil
}

// startChecked makes the loader check the first call of s, and guards the
// calls added after it: they are made only if the loader's counters still
// read want. It reports false, adding nothing, where the check cannot run
// in a sequence (no assembly check; musl's counters, which need blasctl's
// own opens taken away under their lock).
func startChecked(s *cdl.Seq, want generation) bool {
	if !checksInSeq() {
		return false
	}
	return phdr.StartChecked(s, phdr.Generation{Adds: want.adds, Subs: want.subs})
}

// checksInSeq reports whether startChecked can begin a sequence. The
// answer, fixed for the process, is kept in seqChecks after the first call:
// every warm scope asks twice, and a sync.OnceValue would cost it a call
// each time.
func checksInSeq() bool {
	if v := seqChecks.Load(); v != 0 {
		return v == 1
	}
	return initChecksInSeq()
}

func initChecksInSeq() bool {
	ok := loaderCounts() == countsLoads && phdr.CanCheckInSeq()
	v := int32(2)
	if ok {
		v = 1
	}
	seqChecks.Store(v)
	return ok
}

// seqChecks is checksInSeq's answer: 0 not known yet, 1 yes, 2 no.
var seqChecks atomic.Int32

// runChecked runs a sequence startChecked began and reports whether the
// counters read what it wanted (then every call was made; else only the
// check).
func runChecked(s *cdl.Seq) bool { return phdr.RunChecked(s) }

// objectID names the loaded object that holds a library's code, for the
// lock-free check a release can run with its calls (startFound).
type objectID = phdr.Identity

// identify returns the identity of the object holding the code address pc:
// the zero objectID where there is no lock-free lookup (glibc before 2.35,
// musl, architectures other than amd64).
func identify(pc uintptr) objectID {
	id, _ := phdr.Identify(pc)
	return id
}

// startFound makes the lock-free lookup of pc the first call of s and
// guards the calls added after it: they are made only if the object holding
// pc is still id. It reports false, adding nothing, for the zero objectID.
// Unlike startChecked it takes no lock, so the sequence may run with
// cdl.Seq.RunNoSyscall.
func startFound(s *cdl.Seq, pc uintptr, id objectID) bool { return phdr.StartFound(s, pc, id) }

// found reports whether a sequence startFound began made every call.
func found(s *cdl.Seq) bool { return phdr.Found(s) }

// counterKind is what the loader's counters (dlpi_adds, dlpi_subs) count.
type counterKind int

const (
	// countsUnknown: a C library whose counters were not recognised; they
	// are not trusted.
	countsUnknown counterKind = iota
	// countsLoads: glibc's, objects added to and removed from the list.
	countsLoads
	// countsOpens: musl's. dlpi_adds grows by one for every dlopen that
	// succeeds, blasctl's own RTLD_NOLOAD opens of objects already loaded
	// included, and dlpi_subs stays 0 (musl never unloads). Trusted as
	// they are, each scan would move the generation it is checked against
	// and loaded() would scan forever; less blasctl's own opens, they
	// count the loads others made.
	countsOpens
)

// generation is the generation the counters g stand for, own being the
// number of handles blasctl had opened when they were read.
func (k counterKind) generation(g phdr.Generation, own uint64) generation {
	if k == countsOpens {
		return generation{g.Adds - own, g.Subs}
	}
	return generation{g.Adds, g.Subs}
}

// loaderCounts finds out once what the counters count. Only glibc exports
// gnu_get_libc_version. Elsewhere an RTLD_NOLOAD open of the C library,
// which is always loaded, must move dlpi_adds by exactly one, twice in a
// row, for musl's kind; a load by another thread in between makes the
// counters untrusted, never misread.
var loaderCounts = sync.OnceValue(func() counterKind {
	libc := cdl.OpenNoLoad("libc.so.6")
	if libc == 0 {
		return countsUnknown
	}
	glibc := cdl.Sym(libc, "gnu_get_libc_version") != 0
	cdl.Close(libc)
	if glibc {
		return countsLoads
	}
	reopenCounts := func() bool {
		before, ok, err := phdr.Check()
		if err != nil || !ok {
			return false
		}
		h := cdl.OpenNoLoad("libc.so.6")
		if h == 0 {
			return false
		}
		cdl.Close(h)
		after, _, _ := phdr.Check()
		return after.Adds == before.Adds+1 && after.Subs == before.Subs
	}
	for range 2 {
		if !reopenCounts() {
			return countsUnknown
		}
	}
	return countsOpens
})
