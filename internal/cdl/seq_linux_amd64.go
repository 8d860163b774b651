package cdl

import "unsafe"

// seqTrampolinePC returns the code address of seqTrampoline
// (seq_linux_amd64.s).
func seqTrampolinePC() uintptr

var seqTrampoline = seqTrampolinePC()

// ScratchSupported reports whether Run supports AddScratch.
const ScratchSupported = true

// Run makes the calls of s in order, in one runtime.cgocall, and stops
// after the first where the guard does not hold. The functions must not
// be Go code and must not keep Go pointers.
func (s *Seq) Run() {
	s.ran = 0
	if s.n > 0 {
		runtime_cgocall(seqTrampoline, unsafe.Pointer(s))
	}
}
