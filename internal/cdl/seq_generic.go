//go:build !linux || !amd64

package cdl

import "unsafe"

// ScratchSupported reports whether Run supports AddScratch: not here.
const ScratchSupported = false

// Run makes the calls of s in order, one Call each (the single-trip
// trampoline exists for linux/amd64 only), and stops after the first
// where the guard does not hold. It does not support AddScratch.
func (s *Seq) Run() {
	if s.self != 0 {
		panic("cdl: Seq.AddScratch needs the linux/amd64 trampoline")
	}
	s.ran = 0
	for i := range s.n {
		s.Ret[i] = Call(s.fn[i], s.a1[i], s.a2[i])
		s.ran++
		if i == 0 && s.guard != 0 && !s.guardHolds() {
			return
		}
	}
}

// guardHolds reports whether the guard's words hold what is wanted (the
// portable Run's check).
func (s *Seq) guardHolds() bool {
	w := (*[2]uintptr)(unsafePointer(s.guard))
	return w[0] == s.want[0] && w[1] == s.want[1]
}

// unsafePointer turns the guard's address (a Go global or C memory,
// neither of which moves) back into a pointer.
func unsafePointer(p uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&p))
}

// RunNoSyscall is Run here: there is no trampoline to run on the system
// stack (see the linux/amd64 RunNoSyscall for the contract).
func (s *Seq) RunNoSyscall() { s.Run() }
