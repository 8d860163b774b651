//go:build linux || darwin

package blasctl

import (
	"unsafe"

	"github.com/ebitengine/purego"
)

// Calls with more than one argument, and C strings passed in, for the
// backends beyond the core (FlexiBLAS, Arm PL, libblastrampoline).

func call3(fn, a, b, c uintptr) uintptr {
	r, _, _ := purego.SyscallN(fn, a, b, c)
	return r
}

// callStr calls fn(s) with s as a NUL-terminated C string.
func callStr(fn uintptr, s string) uintptr {
	b := append([]byte(s), 0)
	r, _, _ := purego.SyscallN(fn, uintptr(unsafe.Pointer(&b[0])))
	return r
}

// callList calls a FlexiBLAS-style lister fn(buf, len(buf), pos) and returns
// the C string it wrote, or "" when it returns a negative length.
func callList(fn uintptr, pos int) string {
	buf := make([]byte, 1024)
	r, _, _ := purego.SyscallN(fn, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), uintptr(pos))
	if int64(r) < 0 {
		return ""
	}
	return cString(unsafe.Pointer(&buf[0]), len(buf))
}

// callInts3 calls fn(&a, &b, &c) and returns the three C ints it wrote.
func callInts3(fn uintptr) (a, b, c int) {
	var v [3]int32
	purego.SyscallN(fn, uintptr(unsafe.Pointer(&v[0])), uintptr(unsafe.Pointer(&v[1])), uintptr(unsafe.Pointer(&v[2])))
	return int(v[0]), int(v[1]), int(v[2])
}

// peek reads the pointer-sized word at p+off (a field of a C struct that a
// library returned), or 0 when p is 0.
func peek(p, off uintptr) uintptr {
	if p == 0 {
		return 0
	}
	return *(*uintptr)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&p)), off))
}

// callInts3Str calls fn(&a, &b, &c, &s), Arm PL's armplversion shape.
func callInts3Str(fn uintptr) (a, b, c int, s string) {
	var v [3]int32
	var p uintptr
	purego.SyscallN(fn, uintptr(unsafe.Pointer(&v[0])), uintptr(unsafe.Pointer(&v[1])),
		uintptr(unsafe.Pointer(&v[2])), uintptr(unsafe.Pointer(&p)))
	return int(v[0]), int(v[1]), int(v[2]), goString(p)
}
