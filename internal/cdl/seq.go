package cdl

// Seq is a short sequence of C calls fn(a1, a2), each with at most two
// integer arguments, that Run makes in order in one call into C: a get,
// set and read-back of a library's count cost one trip through
// runtime.cgocall instead of three. Each result is stored in Ret.
//
// A guard stops the sequence after its first call unless two words in
// memory then hold the values wanted: a check of the loader's counters
// guards calls into a library that must still be loaded. Those words may
// be the sequence's own scratch words, which its first call fills
// (AddScratch, GuardScratch): then two goroutines never share them, and no
// lock is needed around the sequence. seq_linux_amd64.s reads the fields
// by their go_asm.h names, and needs fn, a1, a2 and Ret to stay arrays of
// uintptr.
type Seq struct {
	n       uintptr
	fn      [SeqMax]uintptr
	a1      [SeqMax]uintptr
	a2      [SeqMax]uintptr
	Ret     [SeqMax]uintptr
	guard   uintptr // address of the two words (their offset in scratch + 1 when self), 0 for no guard
	want    [2]uintptr
	ran     uintptr // calls made by the last Run
	self    uintptr // 1: the first call's a2 is &scratch, guard an offset in it
	scratch [SeqScratch]uintptr
}

// SeqScratch is the number of a Seq's scratch words.
const SeqScratch = 16

// SeqMax is the longest sequence.
const SeqMax = 4

// Add appends the call fn(a) and returns its index in Ret. It panics past
// SeqMax calls.
func (s *Seq) Add(fn, a uintptr) int { return s.Add2(fn, a, 0) }

// Add2 appends the call fn(a1, a2) and returns its index in Ret.
func (s *Seq) Add2(fn, a1, a2 uintptr) int {
	i := s.n
	s.fn[i], s.a1[i], s.a2[i] = fn, a1, a2
	s.n++
	return int(i)
}

// Guard makes Run stop after the first call unless the two words at p (a
// Go global or C memory, which does not move) then hold want0 and want1.
func (s *Seq) Guard(p uintptr, want0, want1 uintptr) {
	s.guard = p
	s.want[0], s.want[1] = want0, want1
}

// Ran returns the number of calls the last Run made: every one, or 1 when
// the guard stopped it.
func (s *Seq) Ran() int { return int(s.ran) }

// AddScratch appends, as the first call, fn(a1, the address of s's scratch
// words), which the trampoline computes on the system stack: a Go stack
// address passed as an integer could go stale if the stack moved before
// the call. Only linux/amd64's Run supports it (ScratchSupported).
func (s *Seq) AddScratch(fn, a1 uintptr) int {
	s.self = 1
	return s.Add2(fn, a1, 0)
}

// GuardScratch guards the sequence on the two scratch words at byte offset
// off (see Guard).
func (s *Seq) GuardScratch(off uintptr, want0, want1 uintptr) {
	s.guard = off + 1
	s.want[0], s.want[1] = want0, want1
}

// Scratch returns scratch word i, as the first call left it.
func (s *Seq) Scratch(i int) uintptr { return s.scratch[i] }

// Len returns the number of calls in s.
func (s *Seq) Len() int { return int(s.n) }
