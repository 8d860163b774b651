package cdl

// Seq is a short sequence of C calls fn(arg), each with one integer
// argument, that Run makes in order in one call into C: a get, set and
// read-back of a library's count cost one trip through runtime.cgocall
// instead of three. Each result is stored in Ret. The layout is fixed by
// seq_linux_amd64.s.
type Seq struct {
	n   uintptr
	fn  [SeqMax]uintptr
	arg [SeqMax]uintptr
	Ret [SeqMax]uintptr
}

// SeqMax is the longest sequence.
const SeqMax = 4

// Add appends the call fn(arg) and returns its index in Ret. It panics
// past SeqMax calls.
func (s *Seq) Add(fn, arg uintptr) int {
	i := s.n
	s.fn[i], s.arg[i] = fn, arg
	s.n++
	return int(i)
}
