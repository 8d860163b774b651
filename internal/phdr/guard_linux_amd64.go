package phdr

import (
	"sync"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
)

// The generation check inside a cdl.Seq: the listing callback over the
// sequence's scratch words, a header with room for no object, stores the
// load counters of the first object and stops; the guard compares them.

// ChecksInSeq reports whether StartChecked can begin a sequence: glibc's
// counters (musl's need blasctl's own opens taken away under their lock)
// and the trampoline's scratch words.
func (Loader) ChecksInSeq() bool { return checksInSeq() }

var checksInSeq = sync.OnceValue(func() bool {
	walker.once.Do(walkerInit)
	return !walker.err && cdl.ScratchSupported && loaderCounts() == countsLoads
})

// StartChecked makes the generation check the first call of s and guards
// the calls added after it: Run makes them only if the loader's counters
// then read want. Call it only where ChecksInSeq reported true: it does
// not ask again (every warm scope begins two sequences).
func (Loader) StartChecked(s *cdl.Seq, want loader.Generation) bool {
	// The check's listing header is the sequence's own scratch words
	// (zero: room for no object), so that no lock is needed around it.
	s.AddScratch(walker.iterate, listPC)
	s.GuardScratch(unsafe.Offsetof(phdrList{}.adds), uintptr(want.Adds), uintptr(want.Subs))
	return true
}

// The listing header must fit in a Seq's scratch words.
var _ [cdl.SeqScratch*8 - unsafe.Sizeof(phdrList{})]byte

// RunChecked runs a sequence that StartChecked began, and reports whether
// the counters read what it wanted, that is whether every call was made.
func (Loader) RunChecked(s *cdl.Seq) bool {
	s.Run()
	return s.Scratch(int(unsafe.Offsetof(phdrList{}.hasGen)/8)) == 1 && s.Ran() == s.Len()
}
