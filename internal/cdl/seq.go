package cdl

// Seq is a short sequence of C calls fn(a1, a2), each with at most two
// integer arguments, that Run makes in order in one call into C: a get,
// set and read-back of a library's count cost one trip through
// runtime.cgocall instead of three. Each result is stored in Ret.
//
// A guard stops the sequence after its first call unless two words in
// memory then hold the values wanted: a check of the loader's counters
// guards calls into a library that must still be loaded. The layout is
// fixed by seq_linux_amd64.s.
type Seq struct {
	n     uintptr
	fn    [SeqMax]uintptr
	a1    [SeqMax]uintptr
	a2    [SeqMax]uintptr
	Ret   [SeqMax]uintptr
	guard uintptr // address of the two words, 0 for no guard
	want  [2]uintptr
	ran   uintptr // calls made by the last Run
}

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
	s.guard, s.want = p, [2]uintptr{want0, want1}
}

// Ran returns the number of calls the last Run made: every one, or 1 when
// the guard stopped it.
func (s *Seq) Ran() int { return int(s.ran) }

// Len returns the number of calls in s.
func (s *Seq) Len() int { return int(s.n) }
