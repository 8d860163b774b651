//go:build linux && (amd64 || arm64)

package cdl

import (
	"unsafe"

	_ "github.com/ebitengine/purego" // sets up the C runtime cgocall needs, with or without cgo
)

// The library calls of a scope (get, set and read back of each count, the
// thread id, the loader check) go through one small assembly trampoline
// instead of purego.SyscallN, which prepares 32 integer and 8 float
// argument registers for every call: on the benchmark VM a call costs about
// 55 ns of CPU instead of 90. It is the same runtime.cgocall that purego
// and cgo use.

//go:linkname runtime_cgocall runtime.cgocall
//go:noescape
func runtime_cgocall(fn uintptr, arg unsafe.Pointer) int32

// ccallTrampolinePC returns the code address of the trampoline
// (ccall_linux_amd64.s, ccall_linux_arm64.s).
func ccallTrampolinePC() uintptr

// ccallFrame is the trampoline's argument block; ccall_linux_amd64.s and
// ccall_linux_arm64.s read its fields by their go_asm.h names.
type ccallFrame struct {
	fn, a1, a2, ret uintptr
}

var ccallTrampoline = ccallTrampolinePC()

// Call calls the C function fn(a1, a2) and returns its integer result;
// functions that take fewer arguments ignore the extra ones. Its arguments
// must not be Go pointers the C code keeps.
func Call(fn, a1, a2 uintptr) uintptr {
	c := ccallFrame{fn: fn, a1: a1, a2: a2}
	runtime_cgocall(ccallTrampoline, unsafe.Pointer(&c))
	return c.ret
}
