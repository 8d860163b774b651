//go:build !windows

package libtest

import (
	"os"
	"strings"
	"testing"

	"github.com/ebitengine/purego"
)

// Open dlopens path (RTLD_NOW|RTLD_GLOBAL), as a program linking it would.
func Open(tb testing.TB, path string) uintptr {
	tb.Helper()
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		tb.Fatalf("dlopen %s: %v", path, err)
	}
	return h
}

// Func binds a C function int(void) or void(int) by name through handle h.
func Func(tb testing.TB, h uintptr, name string) uintptr {
	tb.Helper()
	p, err := purego.Dlsym(h, name)
	if err != nil {
		tb.Fatalf("dlsym %s: %v", name, err)
	}
	return p
}

// Threads counts the OS threads of this process.
func Threads(tb testing.TB) int {
	tb.Helper()
	entries, err := os.ReadDir("/proc/self/task")
	if err != nil {
		tb.Fatal(err)
	}
	return len(entries)
}

// OpenLocal dlopens path privately (RTLD_NOW|RTLD_LOCAL), so that its
// owner's Close really unloads it.
func OpenLocal(tb testing.TB, path string) uintptr {
	tb.Helper()
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		tb.Fatalf("dlopen %s: %v", path, err)
	}
	return h
}

// Sym is the address name resolves to through handle h, or 0.
func Sym(h uintptr, name string) uintptr {
	p, err := purego.Dlsym(h, name)
	if err != nil {
		return 0
	}
	return p
}

// Close gives back a handle Open or OpenLocal returned (dlclose).
func Close(h uintptr) error { return purego.Dlclose(h) }

// Mapped reports whether /proc/self/maps maps path.
func Mapped(tb testing.TB, path string) bool {
	tb.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Contains(string(b), path)
}
