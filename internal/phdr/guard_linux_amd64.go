package phdr

import (
	"sync/atomic"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
)

// The generation check inside a cdl.Seq: the listing callback over the
// sequence's scratch words, a header with room for no object, stores the
// load counters of the first object and stops; the guard compares them.

// ChecksInSeq reports whether StartChecked can begin a sequence: glibc's
// counters (musl's need blasctl's own opens taken away under their lock)
// and the trampoline's scratch words. The answer, fixed for the process,
// is kept in seqChecks after the first call: every warm scope asks twice,
// and a sync.OnceValue would cost it a call each time.
func (Loader) ChecksInSeq() bool {
	if v := seqChecks.Load(); v != 0 {
		return v == 1
	}
	return initChecksInSeq()
}

// seqChecks is ChecksInSeq's answer: 0 not known yet, 1 yes, 2 no.
var seqChecks atomic.Int32

func initChecksInSeq() bool {
	walker.once.Do(walkerInit)
	ok := !walker.err && cdl.ScratchSupported && loaderCounts() == countsLoads
	v := int32(2)
	if ok {
		v = 1
	}
	seqChecks.Store(v)
	return ok
}

// StartChecked makes the generation check the first call of s and guards
// the calls added after it: Run makes them only if the loader's counters
// then read want. It reports false, adding nothing, where ChecksInSeq
// reports false.
func (l Loader) StartChecked(s *cdl.Seq, want loader.Generation) bool {
	if !l.ChecksInSeq() {
		return false
	}
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
