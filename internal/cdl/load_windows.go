//go:build windows

package cdl

import (
	"strings"

	"golang.org/x/sys/windows"
)

// RTLDNoLoad is 0 on Windows: there is no dlopen. OpenNoLoad asks for a
// module already loaded, with GetModuleHandleEx.
const RTLDNoLoad = 0

// OpenNoLoad returns the handle (base address) of a module already loaded
// in the process, named by its path or file name, or 0. It is Windows'
// RTLD_NOLOAD: GetModuleHandleEx never loads a module, and with
// GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT it takes no reference
// either, so Close has nothing to give back. The module stays its owner's:
// one unloaded while blasctl reads it is the owner's race, as for any other
// call into it.
func OpenNoLoad(path string) uintptr {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0
	}
	var h windows.Handle
	if windows.GetModuleHandleEx(windows.GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, p, &h) != nil {
		return 0
	}
	return uintptr(h)
}

// Close gives back a handle OpenNoLoad returned: nothing to do, since
// OpenNoLoad took no reference.
func Close(uintptr) {}

// Sym returns the address GetProcAddress finds for name in module h, or 0.
// An export the module forwards to another module ("OTHER.name") resolves
// to that module's function, and GetProcAddress loads OTHER if it is not
// loaded yet: so a forwarded export whose module is not loaded is 0, and
// nothing is ever loaded.
func Sym(h uintptr, name string) uintptr {
	if h == 0 {
		return 0
	}
	if target, ok := Forwarded(h, name); ok {
		// The name after the last dot is the function's (module names
		// may hold dots: libomp140.x86_64).
		dll := target[:max(strings.LastIndexByte(target, '.'), 0)]
		if OpenNoLoad(dll+".dll") == 0 {
			return 0
		}
	}
	p, err := windows.GetProcAddress(windows.Handle(h), name)
	if err != nil {
		return 0
	}
	return p
}
