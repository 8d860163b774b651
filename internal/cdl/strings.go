package cdl

import "unsafe"

// GoString copies a NUL-terminated C string returned by a call (at most
// 64 KiB), or "" for a null pointer.
func GoString(p uintptr) string {
	if p == 0 {
		return ""
	}
	return CString(*(*unsafe.Pointer)(unsafe.Pointer(&p)), 1<<16)
}

// CString copies at most max bytes of a NUL-terminated string at p.
func CString(p unsafe.Pointer, max int) string {
	n := 0
	for n < max && *(*byte)(unsafe.Add(p, n)) != 0 {
		n++
	}
	return string(unsafe.Slice((*byte)(p), n))
}

// Peek reads the pointer-sized word at p+off (a field of a C struct that a
// library returned), or 0 when p is 0.
func Peek(p, off uintptr) uintptr {
	if p == 0 {
		return 0
	}
	return *(*uintptr)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&p)), off))
}
