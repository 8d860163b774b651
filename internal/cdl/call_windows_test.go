//go:build windows

package cdl

import (
	"runtime"
	"syscall"
	"testing"

	"github.com/ebitengine/purego"
	"golang.org/x/sys/windows"
)

// The two ways to call a C function on Windows without cgo: the runtime's
// syscall.SyscallN (what Call uses) and purego.SyscallN. Both reach the
// same stdcall trampoline; the benchmarks say what each costs per call of
// a one-argument function (kernel32's TlsGetValue) and whether it
// allocates.

func tlsGetValue(tb testing.TB) uintptr {
	p := windows.NewLazySystemDLL("kernel32.dll").NewProc("TlsGetValue")
	if err := p.Find(); err != nil {
		tb.Fatal(err)
	}
	return p.Addr()
}

func BenchmarkCallSyscallN(b *testing.B) {
	fn := tlsGetValue(b)
	b.ReportAllocs()
	for b.Loop() {
		syscall.SyscallN(fn, 1)
	}
}

func BenchmarkCallPurego(b *testing.B) {
	fn := tlsGetValue(b)
	b.ReportAllocs()
	for b.Loop() {
		purego.SyscallN(fn, 1)
	}
}

func BenchmarkCall1(b *testing.B) {
	fn := tlsGetValue(b)
	b.ReportAllocs()
	for b.Loop() {
		Call1(fn, 1)
	}
}

func BenchmarkThreadID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ThreadID()
	}
}

// TestCallAllocations: a call through Call, Call0 and Call1 makes no
// allocation.
func TestCallAllocations(t *testing.T) {
	fn := tlsGetValue(t)
	if a := testing.AllocsPerRun(100, func() { Call(fn, 1, 0); Call0(fn); Call1(fn, 1); ThreadID() }); a != 0 {
		t.Errorf("%.1f allocations per call", a)
	}
}

// TestOpenNoLoadNeverLoads: a module that is not loaded gives 0, and stays
// unloaded; one that is gives its handle, with no reference taken.
func TestOpenNoLoadNeverLoads(t *testing.T) {
	const dll = "version.dll"
	if h := OpenNoLoad(dll); h != 0 {
		t.Skipf("%s is loaded already", dll)
	}
	if h := OpenNoLoad(dll); h != 0 {
		t.Fatal("OpenNoLoad loaded a module")
	}
	h, err := windows.LoadLibrary(dll)
	if err != nil {
		t.Fatal(err)
	}
	if got := OpenNoLoad(dll); got != uintptr(h) {
		t.Errorf("OpenNoLoad %#x, LoadLibrary %#x", got, h)
	}
	if Sym(uintptr(h), "GetFileVersionInfoW") == 0 || Sym(uintptr(h), "no_such_symbol") != 0 {
		t.Error("Sym")
	}
	if err := windows.FreeLibrary(h); err != nil {
		t.Fatal(err)
	}
	if OpenNoLoad(dll) != 0 {
		t.Error("still loaded after its only reference was freed: OpenNoLoad took one")
	}
}

// TestThreadID: ThreadID is GetCurrentThreadId, on this thread and on
// others.
func TestThreadID(t *testing.T) {
	check := func() {
		if got, want := ThreadID(), int(windows.GetCurrentThreadId()); got != want {
			t.Errorf("ThreadID %d, GetCurrentThreadId %d", got, want)
		}
	}
	runtime.LockOSThread()
	check()
	runtime.UnlockOSThread()
	// Four threads alive at once (an ended thread's id can be reused).
	done, release := make(chan int), make(chan struct{})
	for range 4 {
		go func() {
			runtime.LockOSThread() // exits locked: a thread of its own, ended after
			check()
			done <- ThreadID()
			<-release
		}()
	}
	seen := map[int]bool{}
	for range 4 {
		seen[<-done] = true
	}
	close(release)
	if len(seen) != 4 {
		t.Errorf("4 threads gave %d ids", len(seen))
	}
}
