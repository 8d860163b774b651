//go:build linux

package cdl

import (
	"runtime"
	"testing"
	"unsafe"
)

// runModes are the two ways to run a Seq; every guard and scratch test
// runs under both.
var runModes = []struct {
	name string
	run  func(*Seq)
}{{"Run", (*Seq).Run}, {"RunNoSyscall", (*Seq).RunNoSyscall}}

// libcSyms returns the addresses of names in the C library the test
// binary runs with: glibc's libc.so.6, or musl's, which is its loader (leg
// musl). It fails the test when a name is missing.
func libcSyms(tb testing.TB, names ...string) []uintptr {
	tb.Helper()
	var libc uintptr
	for _, name := range []string{"libc.so.6", "/lib/ld-musl-x86_64.so.1", "/lib/ld-musl-aarch64.so.1"} {
		if libc = OpenNoLoad(name); libc != 0 {
			break
		}
	}
	if libc == 0 {
		tb.Fatal("neither glibc's libc.so.6 nor musl's loader is loaded")
	}
	addrs := make([]uintptr, len(names))
	for i, name := range names {
		if addrs[i] = Sym(libc, name); addrs[i] == 0 {
			tb.Fatalf("the C library has no %s", name)
		}
	}
	return addrs
}

// TestSeq runs calls whose results tell their order: umask returns the
// mask before it, so three calls in one Seq return the first mask, then
// each mask the previous call set.
func TestSeq(t *testing.T) {
	syms := libcSyms(t, "umask", "labs")
	umask, labs := syms[0], syms[1]
	var s Seq
	s.Run() // empty: nothing to do
	first := s.Add(umask, 0o27)
	s.Add(umask, 0o77)
	last := s.Add(umask, 0o27)
	abs := s.Add(labs, uintptr(^uintptr(41))) // -42
	s.Run()
	orig := s.Ret[first]
	Call1(umask, orig)
	if s.Ret[first+1] != 0o27 || s.Ret[last] != 0o77 || s.Ret[abs] != 42 {
		t.Errorf("Seq returned %o, %o, %o, %d; want <mask>, 27, 77, 42", s.Ret[0], s.Ret[1], s.Ret[2], s.Ret[3])
	}
	if orig != 0o27 {
		if got := Call1(umask, orig); got != orig {
			t.Errorf("umask restored to %o, reads %o", orig, got)
		}
	}
}

// guardWords stands for the loader's counters a guard checks.
var guardWords [2]uintptr

// TestSeqGuard checks a guarded sequence: all calls when the two words
// hold what is wanted after the first call, only the first otherwise; and
// that calls get both arguments (pthread_equal).
func TestSeqGuard(t *testing.T) {
	syms := libcSyms(t, "labs", "pthread_equal")
	labs, equal := syms[0], syms[1]
	guardWords = [2]uintptr{7, 9}
	for _, m := range runModes {
		t.Run(m.name, func(t *testing.T) { seqGuardCases(t, m.run, labs, equal) })
	}
}

func seqGuardCases(t *testing.T, run func(*Seq), labs, equal uintptr) {
	for _, c := range []struct {
		want0, want1 uintptr
		ran          int
	}{{7, 9, 3}, {7, 8, 1}, {6, 9, 1}} {
		var s Seq
		s.Add(labs, 1)
		s.Add2(equal, 5, 5)
		s.Add2(equal, 5, 6)
		s.Guard(uintptr(unsafe.Pointer(&guardWords)), c.want0, c.want1)
		s.Ret = [SeqMax]uintptr{9, 9, 9, 9}
		run(&s)
		if s.Ran() != c.ran || s.Ret[0] != 1 {
			t.Errorf("want %d, %d: ran %d calls, first returned %d; want %d calls", c.want0, c.want1, s.Ran(), s.Ret[0], c.ran)
		}
		if c.ran == 3 && (s.Ret[1] == 0 || s.Ret[2] != 0) {
			t.Errorf("pthread_equal(5, 5) = %d, pthread_equal(5, 6) = %d", s.Ret[1], s.Ret[2])
		}
		if c.ran == 1 && (s.Ret[1] != 9 || s.Ret[2] != 9) {
			t.Errorf("a stopped sequence made its later calls: %v", s.Ret)
		}
	}
}

// TestSeqScratch checks a first call that writes through its second
// argument into the sequence's scratch words, and a guard on them:
// clock_getres(CLOCK_MONOTONIC) reads 0 s and 1 ns on Linux.
func TestSeqScratch(t *testing.T) {
	if !ScratchSupported {
		t.Skip("AddScratch needs the linux/amd64 trampoline")
	}
	syms := libcSyms(t, "clock_getres", "labs")
	getres, labs := syms[0], syms[1]
	for _, m := range runModes {
		t.Run(m.name, func(t *testing.T) { seqScratchCases(t, m.run, getres, labs) })
	}
}

func seqScratchCases(t *testing.T, run func(*Seq), getres, labs uintptr) {
	const clockMonotonic = 1
	for _, c := range []struct {
		want1 uintptr
		ran   int
	}{{1, 2}, {2, 1}} {
		var s Seq
		s.AddScratch(getres, clockMonotonic)
		s.Add(labs, 5)
		s.GuardScratch(0, 0, c.want1)
		run(&s)
		if s.Ret[0] != 0 || s.Scratch(0) != 0 || s.Scratch(1) != 1 {
			t.Fatalf("clock_getres returned %d, wrote %d s %d ns", s.Ret[0], s.Scratch(0), s.Scratch(1))
		}
		if s.Ran() != c.ran {
			t.Errorf("guard on (0, %d): ran %d calls, want %d", c.want1, s.Ran(), c.ran)
		}
	}
}

// TestRunNoSyscallThread checks that RunNoSyscall makes its calls on the
// calling OS thread, in order, with their results: pthread_self there is
// the locked goroutine's ThreadID.
func TestRunNoSyscallThread(t *testing.T) {
	syms := libcSyms(t, "pthread_self", "labs")
	self, labs := syms[0], syms[1]
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for range 100 {
		var s Seq
		s.Add(labs, ^uintptr(41)) // -42
		s.Add(self, 0)
		s.Add(labs, 7)
		s.RunNoSyscall()
		if s.Ran() != 3 || s.Ret[0] != 42 || s.Ret[1] != uintptr(ThreadID()) || s.Ret[2] != 7 {
			t.Fatalf("ran %d calls returning %v; want 3 returning 42, %#x, 7", s.Ran(), s.Ret[:3], ThreadID())
		}
	}
}

func BenchmarkSeq(b *testing.B) {
	labs := libcSyms(b, "labs")[0]
	// A method call, not runModes' func values: through those the Seq
	// would escape to the heap.
	for _, nosys := range []bool{false, true} {
		name := map[bool]string{false: "seq3", true: "seq3-nosyscall"}[nosys]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var s Seq
				s.Add(labs, 1)
				s.Add(labs, 2)
				s.Add(labs, 3)
				if nosys {
					s.RunNoSyscall()
				} else {
					s.Run()
				}
			}
		})
	}
	b.Run("call3", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Call1(labs, 1)
			Call1(labs, 2)
			Call1(labs, 3)
		}
	})
}
