package blasctl_test

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/ebitengine/purego"
)

// TestOpenBLASLocalSetter checks, in each real OpenBLAS build, the two
// controls newer releases add: openblas_set_num_threads_local (0.3.27) and
// openblas_set_threads_callback_function (0.3.28, threaded builds). Despite
// its name, the "local" setter changes the count every thread reads in the
// builds seen so far (Debian 13's 0.3.29), which is why blasctl keeps using
// openblas_set_num_threads for OpenBLAS: this test fails if a build makes it
// truly per-thread, the day blasctl could use it.
func TestOpenBLASLocalSetter(t *testing.T) {
	var builds []libtest.Build
	for _, b := range libtest.Builds {
		if b.InternalAPI == "openblas" {
			builds = append(builds, b)
		}
	}
	libtest.PerBuild(t, builds, openblasLocalChild)
}

func openblasLocalChild(t *testing.T, b libtest.Build) {
	h := b.LoadAll(t)
	libs, err := blasctl.Libraries()
	if err != nil {
		t.Fatal(err)
	}
	version := ""
	for _, l := range libs {
		if l.InternalAPI == "openblas" {
			version = l.Version
		}
	}
	if version == "" {
		t.Fatalf("no OpenBLAS version reported: %+v", libs)
	}
	local := libtest.Sym(h, "openblas_set_num_threads_local")
	callback := libtest.Sym(h, "openblas_set_threads_callback_function")
	atLeast := func(minor, patch int) bool { return openblasAtLeast(t, version, minor, patch) }
	if (local != 0) != atLeast(3, 27) {
		t.Errorf("OpenBLAS %s: openblas_set_num_threads_local present %v, want it from 0.3.27 on", version, local != 0)
	}
	threaded := b.Layer != "disabled"
	if (callback != 0) != (atLeast(3, 28) && threaded) {
		t.Errorf("OpenBLAS %s (%s): openblas_set_threads_callback_function present %v, want it from 0.3.28 on in threaded builds",
			version, b.Layer, callback != 0)
	}
	t.Logf("OpenBLAS %s %s: openblas_set_num_threads_local %v, openblas_set_threads_callback_function %v",
		version, b.Layer, local != 0, callback != 0)
	if local == 0 || !threaded {
		return
	}

	get := libtest.Func(t, h, "openblas_get_num_threads")
	set := libtest.Func(t, h, "openblas_set_num_threads")
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := libtest.Get(get)
	defer libtest.Set(set, start)
	libtest.Set(set, 2)
	var prev, mine int
	onThread(func() {
		r, _, _ := purego.SyscallN(local, 1)
		prev = int(int32(r))
		mine = libtest.Get(get)
	})
	other := libtest.Get(get)
	t.Logf("OpenBLAS %s %s: after openblas_set_num_threads(2) here, openblas_set_num_threads_local(1) on another thread returned %d; "+
		"that thread reads %d, this one %d", version, b.Layer, prev, mine, other)
	if mine != 1 {
		t.Errorf("the thread that set 1 reads %d", mine)
	}
	if other != 1 {
		t.Errorf("openblas_set_num_threads_local left this thread's count at %d: it is per-thread in OpenBLAS %s %s, "+
			"and blasctl could limit that build per thread with it", other, version, b.Layer)
	}
}

// openblasAtLeast reports whether version ("0.3.29", maybe with a suffix)
// is at least 0.minor.patch.
func openblasAtLeast(t *testing.T, version string, minor, patch int) bool {
	t.Helper()
	parts := strings.SplitN(version, ".", 3)
	if len(parts) != 3 || parts[0] != "0" {
		t.Fatalf("unexpected OpenBLAS version %q", version)
	}
	mi, err1 := strconv.Atoi(parts[1])
	pa, err2 := strconv.Atoi(strings.TrimRightFunc(parts[2], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		t.Fatalf("unexpected OpenBLAS version %q", version)
	}
	return mi > minor || mi == minor && pa >= patch
}
