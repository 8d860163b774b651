//go:build linux

package blasctl_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
	"golang.org/x/sys/unix"
)

// TestLoadedUnderAnotherName loads OpenBLAS under the other names it is
// really loaded by, in one child process: a generic BLAS name that links to
// it (as conda and Debian's alternatives do) and a memfd opened through
// /proc/self/fd must both be found; a link under an unrelated name is not
// followed (detection reads no link it has no reason to).
func TestLoadedUnderAnotherName(t *testing.T) {
	libtest.PerBuild(t, libtest.Named(t, "openblas-pthread"), aliasChild)
}

func aliasChild(t *testing.T, b libtest.Build) {
	real, err := filepath.EvalSymlinks(b.Load[0])
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	openblas := func() []blasctl.Library {
		t.Helper()
		libs, err := blasctl.Libraries()
		if err != nil {
			t.Fatal(err)
		}
		var out []blasctl.Library
		for _, l := range libs {
			if l.InternalAPI == "openblas" {
				out = append(out, l)
			}
		}
		return out
	}

	// A copy of OpenBLAS under a name of no library, reached by a link named
	// libsomething.so: not followed.
	copied := filepath.Join(dir, "x.so")
	if err := os.WriteFile(copied, data, 0o755); err != nil {
		t.Fatal(err)
	}
	unrelated := filepath.Join(dir, "libsomething.so")
	if err := os.Symlink(copied, unrelated); err != nil {
		t.Fatal(err)
	}
	libtest.Open(t, unrelated)
	if got := openblas(); len(got) != 0 {
		t.Fatalf("a link named libsomething.so was followed: %+v", got)
	}

	// The real file, loaded as libblas.so.3: found, with its real path.
	generic := filepath.Join(dir, "libblas.so.3")
	if err := os.Symlink(real, generic); err != nil {
		t.Fatal(err)
	}
	libtest.Open(t, generic)
	got := openblas()
	if len(got) != 1 || got[0].Filepath != real || got[0].Prefix != "libopenblas" {
		t.Fatalf("loaded as libblas.so.3: %+v, want one OpenBLAS at %s", got, real)
	}

	// A third copy in a memfd, loaded as /proc/self/fd/N: found too.
	fd, err := unix.MemfdCreate("libopenblas.so", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Write(fd, data); err != nil {
		t.Fatal(err)
	}
	libtest.Open(t, "/proc/self/fd/"+strconv.Itoa(fd))
	if got := openblas(); len(got) != 2 {
		t.Fatalf("with a memfd copy loaded: %+v, want two OpenBLAS", got)
	}
}
