package fblas

import (
	"runtime"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Call calls the Fortran routine at fn (a dlsym result) with args, each
// the address of one argument in the routine's order (Fortran takes every
// argument by reference), followed by chars hidden lengths of 1, one per
// character argument. args may be at most 15 less chars. The memory args
// point to is pinned for the call, so that the routine reads and writes
// it where Go put it.
func Call(fn uintptr, chars int, args ...unsafe.Pointer) {
	var pin runtime.Pinner
	defer pin.Unpin()
	words := make([]uintptr, 0, len(args)+chars)
	for _, p := range args {
		pin.Pin(p)
		words = append(words, uintptr(p))
	}
	for range chars {
		words = append(words, 1)
	}
	purego.SyscallN(fn, words...)
}

// Int is the address of a Fortran integer of value v: an int32, or an
// int64 for a build with 64-bit integers (ilp64, such as Debian's
// libopenblas64).
func Int(v int, ilp64 bool) unsafe.Pointer {
	if ilp64 {
		x := int64(v)
		return unsafe.Pointer(&x)
	}
	x := int32(v)
	return unsafe.Pointer(&x)
}

// Ref is the address of a copy of v: a character (a byte), a real or a
// complex scalar argument.
func Ref[T any](v T) unsafe.Pointer { return unsafe.Pointer(&v) }

// Data is the address of s's first element: an array argument. s must not
// be empty.
func Data[T any](s []T) unsafe.Pointer { return unsafe.Pointer(&s[0]) }
