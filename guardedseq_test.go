package blasctl

import (
	"sync"
	"testing"
	"time"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/internal/loader"
	"github.com/ebitengine/purego"
)

// The subtests of TestFastPathRealLibrary (fastgroup_test.go) that check
// the guarded sequences (guardedseq.go): the loader check on the way in,
// the lock-free lookup or the loader check on the way out, and the
// filtered Controller's cached selection.

// testLoaderMovesInsideScope: the last member restores in one trip into C.
// Where the library was identified (glibc 2.35 or later on amd64), the trip
// starts with the lock-free lookup of its object, which a library loaded
// inside the scope leaves alone: the release makes its calls and does not
// rescan (the next call does). Elsewhere it starts with the loader check,
// and the load moved the counters: the release rescans first.
func (o *fastPathOpenBLAS) testLoaderMovesInsideScope(t *testing.T) {
	var in int
	if err := WithThreads(1, func() {
		in = o.read()
		libtest.Open(t, cfixture.Build(t, "libblasctl_fastpath_in.so", []string{"testdata/fixtures/custom/custom.c"}))
	}); err != nil {
		t.Fatal(err)
	}
	gen, st := loaderGeneration()
	d := det.current.Load()
	rescanned := st == loader.Counted && d != nil && d.gen == gen
	if identified := o.k.seq.obj != (objectID{}); rescanned == identified {
		t.Errorf("after a load inside the scope: the release rescanned %v, want %v (library identified %v; cache at %+v, loader at %v)",
			rescanned, !identified, identified, d, gen)
	}
	if in != 1 || o.read() != o.start || o.members() != 0 || o.k.holds != 0 {
		t.Errorf("inside %d (want 1), after %d (want %d), %d members, %d holds", in, o.read(), o.start, o.members(), o.k.holds)
	}
}

// testLoaderMovedBeforeScope: a scope's first call into its library runs
// behind the loader check on the cached detection; a library loaded since
// moves the counters, so the scope must check the usual way (a rescan)
// before its calls.
func (o *fastPathOpenBLAS) testLoaderMovedBeforeScope(t *testing.T) {
	libtest.Open(t, cfixture.Build(t, "libblasctl_fastpath_before.so", []string{"testdata/fixtures/custom/custom.c"}))
	var in int
	var rescanned bool
	if err := WithThreads(1, func() {
		in = o.read()
		gen, st := loaderGeneration()
		d := det.current.Load()
		rescanned = st == loader.Counted && d != nil && d.gen == gen
	}); err != nil {
		t.Fatal(err)
	}
	if !rescanned {
		t.Error("a scope began after a load without rescanning")
	}
	if in != 1 || o.read() != o.start || o.members() != 0 || o.k.holds != 0 {
		t.Errorf("inside %d (want 1), after %d (want %d), %d members, %d holds", in, o.read(), o.start, o.members(), o.k.holds)
	}
}

// testFilteredController: a filtered Controller enters through the loader
// check in its first trip into C too (where the check runs in one:
// linux/amd64), with the selection its last call made from the cached
// detection; a Register or unregister, which can make a filter valid or
// invalid, sends it back to selecting under its lock. Its scopes share the
// group on every platform. It loads libgomp, a second library, for good.
func (o *fastPathOpenBLAS) testFilteredController(t *testing.T) {
	libtest.Named(t, "libgomp")[0].LoadAll(t)
	if libs, err := Libraries(); err != nil || len(libs) != 2 {
		t.Fatalf("Libraries() = %d libraries, %v; want OpenBLAS and libgomp", len(libs), err)
	}
	c := Select(InternalAPI("openblas"))
	if _, _, ok := all.cachedLibs(1); ok {
		t.Error("the package's Controller takes the one-library path with two libraries loaded")
	}
	o.checkCached(t, c, false, "before any call")
	o.checkFilteredScope(t, c, "first scope")
	o.checkCached(t, c, true, "after a call")
	o.checkFilteredScope(t, c, "warm scope")

	unregister, err := Register(Custom{InternalAPI: "x-fastpath-filter", Prefixes: []string{"libx-fastpath-none"},
		Open: func(func(string) uintptr) *CustomControl { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	o.checkCached(t, c, false, "after a Register")
	o.checkFilteredScope(t, c, "after a Register")
	o.checkCached(t, c, true, "after the call that followed a Register")
	unregister()
	o.checkCached(t, c, false, "after an unregister")
	o.checkFilteredScope(t, c, "after an unregister")
}

// checkCached checks whether c's scope of 1 takes the checked fast path
// now; where the loader check cannot run in a sequence, never.
func (o *fastPathOpenBLAS) checkCached(t *testing.T, c *Controller, want bool, when string) {
	t.Helper()
	libs, _, ok := c.cachedLibs(1)
	if !checksInSeq() {
		want = false
	}
	if ok != want || (ok && (len(libs) != 1 || libs[0].proc != o.k)) {
		t.Errorf("%s: the filtered Controller's selection is used: %v (%d libraries), want %v", when, ok, len(libs), want)
	}
}

// checkFilteredScope runs c.WithThreads(1) and checks that it was the
// group's one member and put the count back.
func (o *fastPathOpenBLAS) checkFilteredScope(t *testing.T, c *Controller, when string) {
	t.Helper()
	var in, inMembers int
	if err := c.WithThreads(1, func() { in, inMembers = o.read(), o.members() }); err != nil {
		t.Fatal(err)
	}
	if in != 1 || inMembers != 1 || o.read() != o.start || o.members() != 0 || o.k.holds != 0 {
		t.Errorf("%s: inside %d (want 1) with %d group members (want 1); after %d (want %d), %d members, %d holds",
			when, in, inMembers, o.read(), o.start, o.members(), o.k.holds)
	}
}

// testReleaseBesideLoaderLock: the last member's release never waits for
// the loader lock where the library was identified: here another goroutine
// holds that lock, in a dl_iterate_phdr callback written in Go, until the
// scope has ended. A release that needed the lock would wait for the
// holder, which waits for the release: the watchdog then fails the test.
func (o *fastPathOpenBLAS) testReleaseBesideLoaderLock(t *testing.T) {
	if o.k.seq.obj == (objectID{}) {
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
	if got := o.read(); got != o.start || o.members() != 0 || o.k.holds != 0 {
		t.Errorf("after the scope: %d (want %d), %d members, %d holds", got, o.start, o.members(), o.k.holds)
	}
}

// testUnloadedInsideScope: the owner unloads the library inside the last
// member's fn. The release must notice before it calls (the code is
// unmapped: a call would crash the process) and end the scope cleanly.
// Last of all: the library is gone for good.
func (o *fastPathOpenBLAS) testUnloadedInsideScope(t *testing.T) {
	c := Select(InternalAPI("openblas"))
	var l *lib
	if libs, err := c.libs(); err != nil || len(libs) != 1 || libs[0].proc != o.k {
		t.Fatalf("the filtered Controller selects %d libraries (%v), want the OpenBLAS", len(libs), err)
	} else {
		l = libs[0]
	}
	if err := c.WithThreads(1, func() {}); err != nil { // warm
		t.Fatal(err)
	}
	err := c.WithThreads(1, func() {
		if o.members() != 1 {
			t.Errorf("the scope is not a fast member: %d members", o.members())
		}
		if err := libtest.Close(o.h); err != nil {
			t.Fatal(err)
		}
		if libtest.Mapped(t, l.info.Filepath) {
			t.Fatalf("%s still mapped after dlclose: the test proves nothing", l.info.Filepath)
		}
	})
	if err != nil {
		t.Errorf("a scope whose fn unloads its library: %v", err)
	}
	if !l.gone.Load() || o.members() != 0 || o.k.holds != 0 {
		t.Errorf("after the scope: gone %v, %d members, %d holds; want gone, 0, 0", l.gone.Load(), o.members(), o.k.holds)
	}
}
