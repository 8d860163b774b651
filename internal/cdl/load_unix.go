//go:build linux || darwin

package cdl

import (
	"github.com/ebitengine/purego"
)

// OpenNoLoad returns a handle to an object that is already loaded, or 0.
// RTLD_NOLOAD guarantees it never loads anything. The handles it returns
// are counted (LockOpens).
func OpenNoLoad(path string) uintptr { return openCounted(path, openNoLoad) }

func openNoLoad(path string) uintptr {
	if h, ok := fastDlopenNoLoad(path); ok {
		return h
	}
	h, err := purego.Dlopen(path, purego.RTLD_LAZY|RTLDNoLoad)
	if err != nil {
		return 0
	}
	return h
}

// Close gives back a handle OpenNoLoad returned.
func Close(h uintptr) {
	if !fastDlclose(h) {
		_ = purego.Dlclose(h)
	}
}

// Sym looks a symbol up through one object's own handle (which also
// searches that object's dependencies); 0 when it is missing.
func Sym(h uintptr, name string) uintptr {
	if p, ok := fastDlsym(h, name); ok {
		return p
	}
	p, err := purego.Dlsym(h, name)
	if err != nil {
		return 0
	}
	return p
}

// SymDep is Sym: a handle's lookup already searches the object's
// dependencies.
func SymDep(h uintptr, name string) uintptr { return Sym(h, name) }
