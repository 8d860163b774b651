//go:build linux || darwin

package blasctl

import (
	"unsafe"

	"github.com/ebitengine/purego"
)

// dlopenNoLoad returns a handle to an object that is already loaded, or 0.
// RTLD_NOLOAD guarantees it never loads anything.
func dlopenNoLoad(path string) uintptr {
	if h, ok := fastDlopenNoLoad(path); ok {
		return h
	}
	h, err := purego.Dlopen(path, purego.RTLD_LAZY|rtldNoLoad)
	if err != nil {
		return 0
	}
	return h
}

func dlclose(h uintptr) {
	if !fastDlclose(h) {
		_ = purego.Dlclose(h)
	}
}

// dlsym looks a symbol up through one object's own handle (which also
// searches that object's dependencies); 0 when it is missing.
func dlsym(h uintptr, name string) uintptr {
	if p, ok := fastDlsym(h, name); ok {
		return p
	}
	p, err := purego.Dlsym(h, name)
	if err != nil {
		return 0
	}
	return p
}

func call0(fn uintptr) uintptr { return ccall(fn, 0, 0) }

func call1(fn, a uintptr) uintptr { return ccall(fn, a, 0) }

func call2(fn, a, b uintptr) uintptr { return ccall(fn, a, b) }

// callBuf calls fn(buf, len(buf)) and returns the C string it wrote.
func callBuf(fn uintptr, size int) string {
	buf := make([]byte, size)
	purego.SyscallN(fn, uintptr(unsafe.Pointer(&buf[0])), uintptr(size))
	return cString(unsafe.Pointer(&buf[0]), size)
}

// goString copies a NUL-terminated C string returned by a call.
func goString(p uintptr) string {
	if p == 0 {
		return ""
	}
	return cString(*(*unsafe.Pointer)(unsafe.Pointer(&p)), 1<<16)
}

// cString copies at most max bytes of a NUL-terminated string at p.
func cString(p unsafe.Pointer, max int) string {
	n := 0
	for n < max && *(*byte)(unsafe.Add(p, n)) != 0 {
		n++
	}
	return string(unsafe.Slice((*byte)(p), n))
}
