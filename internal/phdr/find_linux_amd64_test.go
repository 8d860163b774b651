package phdr

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/internal/loader"
)

// TestFound loads a tiny library, identifies it through _dl_find_object,
// checks the identity against the loader's listing, and runs guarded
// sequences with the system-call bookkeeping and without: every call while
// the library is the one identified, only the lookup when the identity is
// wrong or the library was unloaded.
func TestFound(t *testing.T) {
	var ld Loader
	if findObjectFn() == 0 {
		// musl has none, nor glibc before 2.35: then nothing is identified
		// and no sequence starts with the lookup.
		if v := glibcVersion(); v != "" && v >= "2.35" {
			t.Fatalf("glibc %s has no _dl_find_object", v)
		}
		var s cdl.Seq
		if id := ld.Identify(uintptr(unsafe.Pointer(&finder))); id != (Identity{}) || ld.StartFound(&s, 1, id) || s.Len() != 0 {
			t.Errorf("without _dl_find_object: Identify = %+v; StartFound added %d calls", id, s.Len())
		}
		t.Logf("the C library (glibc %q) has no _dl_find_object: nothing is identified", glibcVersion())
		return
	}
	src := filepath.Join(t.TempDir(), "found.c")
	if err := os.WriteFile(src, []byte("int blasctl_found_answer(int x) { return x + 1; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := cfixture.Build(t, "libfound.so", []string{src})
	h := libtest.Open(t, path)
	fn := libtest.Func(t, h, "blasctl_found_answer")
	if id := ld.Identify(0); id != (Identity{}) {
		t.Error("Identify(0) reports an object")
	}
	id := ld.Identify(fn)
	if id == (Identity{}) {
		t.Fatal("Identify finds no object holding a function of a loaded library")
	}
	objs, _, st := ld.List(nil)
	if st == loader.Unavailable {
		t.Fatal("no listing")
	}
	var end uintptr
	for _, o := range objs {
		if o.Path == path {
			for _, seg := range o.Segments {
				end = max(end, seg[1])
			}
		}
	}
	if end == 0 || id.end != end {
		t.Errorf("_dl_find_object's mapping ends at %#x; the listing's last segment of %s at %#x", id.end, path, end)
	}

	run := func(mode string, id Identity, want bool) {
		t.Helper()
		for _, nosys := range []bool{false, true} {
			var s cdl.Seq
			if !ld.StartFound(&s, fn, id) {
				t.Fatalf("%s: StartFound reports false", mode)
			}
			i := s.Add(fn, 41)
			if nosys {
				s.RunNoSyscall()
			} else {
				s.Run()
			}
			if ld.Found(&s) != want || (want && s.Ret[i] != 42) || (!want && s.Ran() != 1) {
				t.Errorf("%s (no syscall %v): found %v after %d calls, answer %d; want found %v", mode, nosys, ld.Found(&s), s.Ran(), s.Ret[i], want)
			}
		}
	}
	run("the library as identified", id, true)
	wrong := id
	wrong.linkMap += 8
	run("a wrong link_map", wrong, false)
	wrong = id
	wrong.end--
	run("a wrong end", wrong, false)
	var s cdl.Seq
	if ld.StartFound(&s, fn, Identity{}) || s.Len() != 0 {
		t.Error("StartFound on the zero Identity added a call")
	}

	if err := libtest.Close(h); err != nil {
		t.Fatal(err)
	}
	if libtest.Mapped(t, path) {
		t.Fatalf("%s still mapped after dlclose: the test proves nothing", path)
	}
	run("the library once unloaded", id, false)
}

// glibcVersion returns glibc's version with a two-digit minor ("2.36"), ""
// under another C library.
func glibcVersion() string {
	libc := cdl.OpenNoLoad("libc.so.6")
	if libc == 0 {
		return ""
	}
	defer cdl.Close(libc)
	fn := cdl.Sym(libc, "gnu_get_libc_version")
	if fn == 0 {
		return ""
	}
	var major, minor int
	if _, err := fmt.Sscanf(cdl.GoString(cdl.Call0(fn)), "%d.%d", &major, &minor); err != nil {
		return ""
	}
	return fmt.Sprintf("%d.%02d", major, minor)
}
