package phdr

import (
	"sync"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
)

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
	// and detection would scan forever; less blasctl's own opens, they
	// count the loads others made.
	countsOpens
)

// lockOwn takes cdl's lock on blasctl's own opens where the counters count
// them, and returns how many handles blasctl holds.
func (k counterKind) lockOwn() uint64 {
	if k != countsOpens {
		return 0
	}
	return cdl.LockOpens()
}

// unlockOwn gives back what lockOwn took.
func (k counterKind) unlockOwn() {
	if k == countsOpens {
		cdl.UnlockOpens()
	}
}

// mean is the generation and status the counters g stand for, own being
// the number of handles blasctl had opened when they were read.
func (k counterKind) mean(g loader.Generation, st loader.Status, own uint64) (loader.Generation, loader.Status) {
	if st == loader.Counted && k == countsUnknown {
		st = loader.Uncounted
	}
	if k == countsOpens {
		g.Adds -= own
	}
	return g, st
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
	for range 2 {
		if !reopenCounts() {
			return countsUnknown
		}
	}
	return countsOpens
})

// reopenCounts reports whether an RTLD_NOLOAD open of the C library moved
// dlpi_adds by exactly one, and nothing else.
func reopenCounts() bool {
	before, st := rawCheck()
	if st != loader.Counted {
		return false
	}
	h := cdl.OpenNoLoad("libc.so.6")
	if h == 0 {
		return false
	}
	cdl.Close(h)
	after, _ := rawCheck()
	return after.Adds == before.Adds+1 && after.Subs == before.Subs
}
