//go:build windows

package libtest

import (
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"golang.org/x/sys/windows"
)

// Open loads path with LoadLibrary, as a program using the DLL would (a
// test may load code; blasctl never does).
func Open(tb testing.TB, path string) uintptr {
	tb.Helper()
	h, err := windows.LoadLibrary(path)
	if err != nil {
		tb.Fatalf("LoadLibrary %s: %v", path, err)
	}
	return uintptr(h)
}

// Func binds a C function int(void) or void(int) by name through handle h:
// the module's own export or one of a module it imports, as dlsym finds it
// on Linux.
func Func(tb testing.TB, h uintptr, name string) uintptr {
	tb.Helper()
	p := cdl.SymDep(h, name)
	if p == 0 {
		tb.Fatalf("GetProcAddress %s: not found in the module or its imports", name)
	}
	return p
}

// Threads counts the OS threads of this process (a toolhelp snapshot).
func Threads(tb testing.TB) int {
	tb.Helper()
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer windows.CloseHandle(snap)
	pid := windows.GetCurrentProcessId()
	var te windows.ThreadEntry32
	te.Size = uint32(unsafe.Sizeof(te))
	n := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID == pid {
			n++
		}
	}
	if err != syscall.ERROR_NO_MORE_FILES {
		tb.Fatal(err)
	}
	return n
}

// OpenLocal is Open: Windows has no global symbol namespace to keep out of.
func OpenLocal(tb testing.TB, path string) uintptr { return Open(tb, path) }

// Sym is the address name resolves to through module h (its own export or
// one of a module it imports, as for Func), or 0.
func Sym(h uintptr, name string) uintptr { return cdl.SymDep(h, name) }

// Close gives back a handle Open returned (FreeLibrary).
func Close(h uintptr) error { return windows.FreeLibrary(windows.Handle(h)) }

// Mapped reports whether a module of this path is loaded, from a toolhelp
// snapshot of the process's modules (independent of blasctl's listing).
func Mapped(tb testing.TB, path string) bool {
	tb.Helper()
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPMODULE, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer windows.CloseHandle(snap)
	var me windows.ModuleEntry32
	me.Size = uint32(unsafe.Sizeof(me))
	for err = windows.Module32First(snap, &me); err == nil; err = windows.Module32Next(snap, &me) {
		if strings.EqualFold(windows.UTF16ToString(me.ExePath[:]), path) {
			return true
		}
	}
	return false
}
