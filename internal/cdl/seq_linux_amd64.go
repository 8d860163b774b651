//go:build linux && amd64

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

// seqRunNoSyscall runs seqTrampoline(s) through runtime.asmcgocall
// (seq_linux_amd64.s).
//
//go:noescape
func seqRunNoSyscall(s *Seq)

// RunNoSyscall is Run without the system-call bookkeeping of
// runtime.cgocall: it switches to the system stack and calls the
// trampoline, as the runtime calls the vDSO, and the goroutine keeps its P
// throughout. That saves about 20 ns per trip; in exchange no other
// goroutine can run on that P, and no stop-the-world can finish, until the
// calls return.
//
// So every call of s must return quickly and must never wait for anything
// a thread running Go code may hold: no callback into Go, no blocking
// system call, no lock that a Go callback can hold (glibc's loader lock is
// one: dl_iterate_phdr holds it while it calls back, and a callback written
// in Go needs a P to finish). A lock held only by C code is allowed.
func (s *Seq) RunNoSyscall() {
	s.ran = 0
	if s.n > 0 {
		seqRunNoSyscall(s)
	}
}
