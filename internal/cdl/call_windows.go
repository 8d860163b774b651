//go:build windows

package cdl

import (
	"syscall"
	"unsafe"
)

// On Windows every call goes through syscall.SyscallN: the runtime's own
// path for calling into DLLs (runtime.cgocall of its stdcall trampoline).
// Its argument slice does not escape, so a call makes no allocation.

// Call calls the C function fn(a1, a2) and returns its integer result;
// functions that take fewer arguments ignore the extra ones (the Windows
// x64 convention passes the first four in registers either way).
func Call(fn, a1, a2 uintptr) uintptr {
	r, _, _ := syscall.SyscallN(fn, a1, a2)
	return r
}

// Call0 calls fn() and returns its integer result.
func Call0(fn uintptr) uintptr {
	r, _, _ := syscall.SyscallN(fn)
	return r
}

// Call1 calls fn(a).
func Call1(fn, a uintptr) uintptr {
	r, _, _ := syscall.SyscallN(fn, a)
	return r
}

// Call2 calls fn(a, b).
func Call2(fn, a, b uintptr) uintptr { return Call(fn, a, b) }

// Call3 calls fn(a, b, c).
func Call3(fn, a, b, c uintptr) uintptr {
	r, _, _ := syscall.SyscallN(fn, a, b, c)
	return r
}

// CallBuf calls fn(buf, size) and returns the C string it wrote.
func CallBuf(fn uintptr, size int) string {
	buf := make([]byte, size)
	syscall.SyscallN(fn, uintptr(unsafe.Pointer(&buf[0])), uintptr(size))
	return CString(unsafe.Pointer(&buf[0]), size)
}

// CallStr calls fn(s) with s as a NUL-terminated C string.
func CallStr(fn uintptr, s string) uintptr {
	b := append([]byte(s), 0)
	r, _, _ := syscall.SyscallN(fn, uintptr(unsafe.Pointer(&b[0])))
	return r
}

// CallList calls a FlexiBLAS-style lister fn(buf, len(buf), pos) and returns
// the C string it wrote, or "" when it returns a negative length.
func CallList(fn uintptr, pos int) string {
	buf := make([]byte, 1024)
	r, _, _ := syscall.SyscallN(fn, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), uintptr(pos))
	if int32(r) < 0 {
		return ""
	}
	return CString(unsafe.Pointer(&buf[0]), len(buf))
}

// CallInts3 calls fn(&a, &b, &c) and returns the three C ints it wrote.
func CallInts3(fn uintptr) (a, b, c int) {
	var v [3]int32
	syscall.SyscallN(fn, uintptr(unsafe.Pointer(&v[0])), uintptr(unsafe.Pointer(&v[1])), uintptr(unsafe.Pointer(&v[2])))
	return int(v[0]), int(v[1]), int(v[2])
}

// CallInts3Str calls fn(&a, &b, &c, &s), Arm PL's armplversion shape.
func CallInts3Str(fn uintptr) (a, b, c int, s string) {
	var v [3]int32
	var p uintptr
	syscall.SyscallN(fn, uintptr(unsafe.Pointer(&v[0])), uintptr(unsafe.Pointer(&v[1])),
		uintptr(unsafe.Pointer(&v[2])), uintptr(unsafe.Pointer(&p)))
	return int(v[0]), int(v[1]), int(v[2]), GoString(p)
}
