package blasctl

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/internal/loader"
	"github.com/ebitengine/purego"
)

// TestFastPathRealLibrary checks the scopes that share a process-wide count
// through a fast group (fastpath.go) against the pthreads OpenBLAS, in a
// child process: that they take the fast path at all, that a member still
// judges what its calls run with after an unscoped caller changed the count
// behind the scopes' back, and that a scope nested in a member on the same
// goroutine replaces it there, as for any outer scope.
func TestFastPathRealLibrary(t *testing.T) {
	libtest.PerBuild(t, libtest.Named(t, "openblas-pthread"), fastPathSuite)
}

func fastPathSuite(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	probe, setter := libtest.Func(t, h, b.Probe), libtest.Func(t, h, b.Setter)
	read := func() int { return libtest.Get(probe) }
	libs, err := loaded()
	if err != nil || len(libs) != 1 {
		t.Fatalf("loaded() = %d libraries, %v; want the OpenBLAS alone", len(libs), err)
	}
	k := libs[0].proc
	if libs[0].fastKnob() != k {
		t.Fatal("the pthreads OpenBLAS has no fast knob")
	}
	// Detection identifies the library wherever the lookup runs (TestFound
	// in internal/phdr fails where glibc has it and it does not): the
	// subtests below that depend on the identity cannot pass by skipping
	// because detection stopped recording it.
	if id := identify(k.seq.setFn); id != k.seq.obj {
		t.Errorf("detection identified the library as %+v; the lookup gives %+v", k.seq.obj, id)
	}
	if runtime.NumCPU() < 2 {
		t.Skip("needs 2 CPUs for two distinct counts")
	}
	libtest.Set(setter, 2)
	start := read()
	members := func() int {
		return groupCount(k.group.Load())
	}

	// two runs fn in two goroutines' WithThreads(n) scopes, the second
	// entering once the first is inside; each fn gets a channel that the
	// test closes to let it leave.
	type step struct{ in, out chan struct{} }
	scope := func(n int, fn func()) (step, chan error) {
		s := step{make(chan struct{}), make(chan struct{})}
		done := make(chan error, 1)
		go func() {
			done <- WithThreads(n, func() {
				close(s.in)
				fn()
				<-s.out
			})
		}()
		<-s.in
		return s, done
	}

	t.Run("Group", func(t *testing.T) {
		var inA, inB int
		a, doneA := scope(1, func() { inA = read() })
		if members() != 1 {
			t.Errorf("one scope inside: the group has %d members", members())
		}
		bs, doneB := scope(1, func() { inB = read() })
		if members() != 2 {
			t.Errorf("two scopes inside: the group has %d members", members())
		}
		close(bs.out)
		if err := <-doneB; err != nil {
			t.Fatal(err)
		}
		if got := read(); got != 1 {
			t.Errorf("after one member left the count is %d, want 1", got)
		}
		close(a.out)
		if err := <-doneA; err != nil {
			t.Fatal(err)
		}
		if inA != 1 || inB != 1 || read() != start || members() != 0 {
			t.Errorf("inside %d and %d (want 1), after %d (want %d), %d members left", inA, inB, read(), start, members())
		}
	})

	t.Run("UnscopedChangeBehind", func(t *testing.T) {
		var inB int
		a, doneA := scope(1, func() {})
		libtest.Set(setter, 2) // an unscoped caller, behind the scopes' back
		bs, doneB := scope(1, func() { inB = read() })
		close(bs.out)
		close(a.out)
		if err := <-doneB; err != nil {
			t.Fatal(err)
		}
		if err := <-doneA; err != nil {
			t.Fatal(err)
		}
		if inB != 1 {
			t.Errorf("a member that joined after an unscoped change ran with %d threads, want 1", inB)
		}
		if got := read(); got != start {
			t.Errorf("after the scopes the count is %d, want %d", got, start)
		}
	})

	t.Run("NestedInMember", func(t *testing.T) {
		var nested, afterOther, afterNested int
		other, doneOther := scope(1, func() {})
		var wg sync.WaitGroup
		wg.Add(1)
		a, doneA := scope(1, func() {
			defer wg.Done()
			if err := WithThreads(2, func() {
				nested = read() // the other member still holds 1
				close(other.out)
				if err := <-doneOther; err != nil {
					t.Error(err)
				}
				afterOther = read() // this goroutine's 2 replaces its 1
			}); err != nil {
				t.Error(err)
			}
			afterNested = read()
		})
		wg.Wait()
		close(a.out)
		if err := <-doneA; err != nil {
			t.Fatal(err)
		}
		if nested != 1 || afterOther != 2 || afterNested != 1 {
			t.Errorf("nested reads %d (want 1), %d once the other member left (want 2), %d after (want 1)", nested, afterOther, afterNested)
		}
		if got := read(); got != start || members() != 0 || k.holds != 0 {
			t.Errorf("after the scopes the count is %d (want %d), %d members, %d holds", got, start, members(), k.holds)
		}
	})

	// The last member restores in one trip into C. Where the library was
	// identified (glibc 2.35 or later on amd64), the trip starts with the
	// lock-free lookup of its object, which a library loaded inside the
	// scope leaves alone: the release makes its calls and does not rescan
	// (the next call does). Elsewhere it starts with the loader check, and
	// the load moved the counters: the release rescans first.
	t.Run("LoaderMovesInsideScope", func(t *testing.T) {
		var in int
		if err := WithThreads(1, func() {
			in = read()
			libtest.Open(t, cfixture.Build(t, "libblasctl_fastpath_in.so", []string{"testdata/fixtures/custom/custom.c"}))
		}); err != nil {
			t.Fatal(err)
		}
		gen, st := loaderGeneration()
		d := det.current.Load()
		rescanned := st == loader.Counted && d != nil && d.gen == gen
		if identified := k.seq.obj != (objectID{}); rescanned == identified {
			t.Errorf("after a load inside the scope: the release rescanned %v, want %v (library identified %v; cache at %+v, loader at %v)",
				rescanned, !identified, identified, d, gen)
		}
		if in != 1 || read() != start || members() != 0 || k.holds != 0 {
			t.Errorf("inside %d (want 1), after %d (want %d), %d members, %d holds", in, read(), start, members(), k.holds)
		}
	})

	// A scope's first call into its library runs behind the loader check
	// on the cached detection; a library loaded since moves the counters,
	// so the scope must check the usual way (a rescan) before its calls.
	t.Run("LoaderMovedBeforeScope", func(t *testing.T) {
		libtest.Open(t, cfixture.Build(t, "libblasctl_fastpath_before.so", []string{"testdata/fixtures/custom/custom.c"}))
		var in int
		var rescanned bool
		if err := WithThreads(1, func() {
			in = read()
			gen, st := loaderGeneration()
			d := det.current.Load()
			rescanned = st == loader.Counted && d != nil && d.gen == gen
		}); err != nil {
			t.Fatal(err)
		}
		if !rescanned {
			t.Error("a scope began after a load without rescanning")
		}
		if in != 1 || read() != start || members() != 0 || k.holds != 0 {
			t.Errorf("inside %d (want 1), after %d (want %d), %d members, %d holds", in, read(), start, members(), k.holds)
		}
	})

	t.Run("UnderLimit", func(t *testing.T) {
		// A Limit on another goroutine keeps its 1 while members of n = 2
		// come and go, and its restore puts the start value back.
		restoreCh, done := make(chan func() error), make(chan error)
		go func() {
			runtime.LockOSThread() // Limit locks too; restore on this goroutine
			r, err := Limit(1)
			if err != nil {
				t.Error(err)
			}
			restoreCh <- r
			done <- (<-restoreCh)()
		}()
		restore := <-restoreCh
		var in int
		if err := WithThreads(2, func() { in = read() }); err != nil {
			t.Fatal(err)
		}
		if in != 1 || read() != 1 {
			t.Errorf("under another goroutine's Limit(1) a scope of 2 reads %d, then %d; want 1, 1", in, read())
		}
		restoreCh <- restore
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := read(); got != start {
			t.Errorf("after the limit the count is %d, want %d", got, start)
		}
	})

	// A filtered Controller enters through the loader check in its first
	// trip into C too (where the check runs in one: linux/amd64), with the
	// selection its last call made from the cached detection; a Register
	// or unregister, which can make a filter valid or invalid, sends it
	// back to selecting under its lock. Its scopes share the group on every
	// platform. Last: it loads libgomp, a second library, for good.
	t.Run("FilteredController", func(t *testing.T) {
		libtest.Named(t, "libgomp")[0].LoadAll(t)
		if libs, err := Libraries(); err != nil || len(libs) != 2 {
			t.Fatalf("Libraries() = %d libraries, %v; want OpenBLAS and libgomp", len(libs), err)
		}
		c := Select(InternalAPI("openblas"))
		// cached reports whether c's scope of 1 takes the checked fast path
		// now; where the loader check cannot run in a sequence, never.
		cached := func(want bool, when string) {
			t.Helper()
			libs, _, ok := c.cachedLibs(1)
			if !checksInSeq() {
				want = false
			}
			if ok != want || (ok && (len(libs) != 1 || libs[0].proc != k)) {
				t.Errorf("%s: the filtered Controller's selection is used: %v (%d libraries), want %v", when, ok, len(libs), want)
			}
		}
		if _, _, ok := all.cachedLibs(1); ok {
			t.Error("the package's Controller takes the one-library path with two libraries loaded")
		}
		cached(false, "before any call")
		scoped := func(when string) {
			t.Helper()
			var in, inMembers int
			if err := c.WithThreads(1, func() { in, inMembers = read(), members() }); err != nil {
				t.Fatal(err)
			}
			if in != 1 || inMembers != 1 || read() != start || members() != 0 || k.holds != 0 {
				t.Errorf("%s: inside %d (want 1) with %d group members (want 1); after %d (want %d), %d members, %d holds",
					when, in, inMembers, read(), start, members(), k.holds)
			}
		}
		scoped("first scope")
		cached(true, "after a call")
		scoped("warm scope")

		unregister, err := Register(Custom{InternalAPI: "x-fastpath-filter", Prefixes: []string{"libx-fastpath-none"},
			Open: func(func(string) uintptr) *CustomControl { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		cached(false, "after a Register")
		scoped("after a Register")
		cached(true, "after the call that followed a Register")
		unregister()
		cached(false, "after an unregister")
		scoped("after an unregister")
	})

	// The last member's release never waits for the loader lock where the
	// library was identified: here another goroutine holds that lock, in a
	// dl_iterate_phdr callback written in Go, until the scope has ended. A
	// release that needed the lock would wait for the holder, which waits
	// for the release: the watchdog then fails the test.
	t.Run("ReleaseBesideLoaderLock", func(t *testing.T) {
		if k.seq.obj == (objectID{}) {
			t.Skip("the library is not identified here (glibc 2.35 or later on amd64 is needed): its release takes the loader check")
		}
		libc := cdl.OpenNoLoad("libc.so.6")
		iterate := cdl.Sym(libc, "dl_iterate_phdr")
		cdl.Close(libc)
		if iterate == 0 {
			t.Fatal("no dl_iterate_phdr in libc.so.6")
		}
		holding, release, held := make(chan struct{}), make(chan struct{}), make(chan struct{})
		var once sync.Once
		cb := purego.NewCallback(func(info, size, data uintptr) int {
			once.Do(func() { close(holding) })
			<-release
			return 1
		})
		// Whatever happens, the holder lets go before the subtest ends:
		// the subtests after it list objects too.
		var letGo sync.Once
		defer letGo.Do(func() { close(release); <-held })
		// The OpenBLAS alone (libgomp is loaded by now): a fast member.
		c := Select(InternalAPI("openblas"))
		in := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- c.WithThreads(1, func() {
				close(in)
				<-holding // the loader lock is held now, by the other goroutine
			})
		}()
		<-in
		go func() {
			purego.SyscallN(iterate, cb, 0)
			close(held)
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the scope has not ended 30 s after another goroutine took the loader lock: its release waits for it")
		}
		if got := read(); got != start || members() != 0 || k.holds != 0 {
			t.Errorf("after the scope: %d (want %d), %d members, %d holds", got, start, members(), k.holds)
		}
	})

	// The owner unloads the library inside the last member's fn. The
	// release must notice before it calls (the code is unmapped: a call
	// would crash the process) and end the scope cleanly. Last of all: the
	// library is gone for good.
	t.Run("UnloadedInsideScope", func(t *testing.T) {
		c := Select(InternalAPI("openblas"))
		var l *lib
		if libs, err := c.libs(); err != nil || len(libs) != 1 || libs[0].proc != k {
			t.Fatalf("the filtered Controller selects %d libraries (%v), want the OpenBLAS", len(libs), err)
		} else {
			l = libs[0]
		}
		if err := c.WithThreads(1, func() {}); err != nil { // warm
			t.Fatal(err)
		}
		err := c.WithThreads(1, func() {
			if members() != 1 {
				t.Errorf("the scope is not a fast member: %d members", members())
			}
			if err := libtest.Close(h); err != nil {
				t.Fatal(err)
			}
			if libtest.Mapped(t, l.info.Filepath) {
				t.Fatalf("%s still mapped after dlclose: the test proves nothing", l.info.Filepath)
			}
		})
		if err != nil {
			t.Errorf("a scope whose fn unloads its library: %v", err)
		}
		if !l.gone.Load() || members() != 0 || k.holds != 0 {
			t.Errorf("after the scope: gone %v, %d members, %d holds; want gone, 0, 0", l.gone.Load(), members(), k.holds)
		}
	})
}

// TestThreadStateOf checks that each thread id has one state, whether it
// lands in the table or, once its probe run is full, in the overflow map.
func TestThreadStateOf(t *testing.T) {
	seen := map[int]*threadState{}
	for i := range 5000 {
		tid := 0x7f0000000000 + i*0x801000 // pthread_t-like addresses
		ts := threadStateOf(tid)
		if ts.tid != tid || seen[tid] != nil {
			t.Fatalf("thread %#x: state of %#x, or made twice", tid, ts.tid)
		}
		seen[tid] = ts
	}
	for tid, ts := range seen {
		if threadStateOf(tid) != ts {
			t.Fatalf("thread %#x: a second state", tid)
		}
	}
	if a, b := threadStateOf(0), threadStateOf(0); a == b {
		t.Error("thread id 0 (none) shares one state")
	}
}
