//go:build linux && amd64

package cdl

import (
	"runtime"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// dlopen, dlsym and dlclose through Call. purego's wrappers go through a
// reflect-made function: about 880 ns a dlsym on the benchmark VM against
// 160 ns through Call, and a first Libraries() call makes about ten of
// these calls.
var cdl struct {
	once             sync.Once
	open, sym, close uintptr // 0 when they could not be resolved
}

func cdlInit() {
	sym, err := purego.Dlsym(purego.RTLD_DEFAULT, "dlsym")
	if err != nil || sym == 0 {
		return
	}
	open := cdlsym(sym, purego.RTLD_DEFAULT, "dlopen")
	close := cdlsym(sym, purego.RTLD_DEFAULT, "dlclose")
	if open == 0 || close == 0 {
		return
	}
	cdl.open, cdl.sym, cdl.close = open, sym, close
}

// cString0 returns s as a NUL-terminated byte slice; the caller keeps it
// alive across the call it is passed to.
func cString0(s string) []byte {
	b := make([]byte, len(s)+1)
	copy(b, s)
	return b
}

func cdlsym(fn, h uintptr, name string) uintptr {
	b := cString0(name)
	p := Call(fn, h, uintptr(unsafe.Pointer(&b[0])))
	runtime.KeepAlive(b)
	return p
}

// fastDlopenNoLoad is dlopen(path, RTLD_LAZY|RTLD_NOLOAD): a handle to an
// object already loaded, never a load. ok is false when it is not available.
func fastDlopenNoLoad(path string) (h uintptr, ok bool) {
	cdl.once.Do(cdlInit)
	if cdl.open == 0 {
		return 0, false
	}
	b := cString0(path)
	h = Call(cdl.open, uintptr(unsafe.Pointer(&b[0])), purego.RTLD_LAZY|RTLDNoLoad)
	runtime.KeepAlive(b)
	return h, true
}

// fastDlsym is dlsym(h, name); ok is false when it is not available.
func fastDlsym(h uintptr, name string) (p uintptr, ok bool) {
	cdl.once.Do(cdlInit)
	if cdl.sym == 0 {
		return 0, false
	}
	return cdlsym(cdl.sym, h, name), true
}

// fastDlclose is dlclose(h); ok is false when it is not available.
func fastDlclose(h uintptr) bool {
	cdl.once.Do(cdlInit)
	if cdl.close == 0 {
		return false
	}
	Call(cdl.close, h, 0)
	return true
}
