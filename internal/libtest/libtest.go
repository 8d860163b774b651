package libtest

import (
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"testing"

	"github.com/ebitengine/purego"
)

// Build is one installed library build under test.
type Build struct {
	// Name identifies the build (a child reads it from ChildEnv).
	Name string
	// Load lists what the child dlopens, in order; the last is the library
	// under test.
	Load []string
	// Env is added to the child's environment.
	Env []string
	// InternalAPI, Layer and Scope are what Libraries must report for it.
	InternalAPI, Layer, Scope string
	// Probe is the C getter that reads the count for calls from the calling
	// thread, called directly (int result).
	Probe string
	// Setter is the C setter (void(int)) a test uses to put an odd starting
	// value in place; "" when the build has no settable count.
	Setter string
	// Shared is a C getter (int(void)) of a count that scopes and limits
	// must leave alone although the library has a setter for it: OpenMP
	// OpenBLAS's global count, which no call runs with (each call takes its
	// thread's OpenMP count) and whose setter frees the buffers of calls
	// running on other threads.
	Shared string
	// Cap is the most threads the build ever runs (1 for serial builds),
	// or 0 for no cap below the CPU count.
	Cap int
	// Needs lists files the build uses without the child loading them
	// itself: MKL's Intel layer maps libiomp5.so at its first call.
	Needs []string
	// Package is the Debian package that provides it.
	Package string
	// NoVersion is set for a library without a version API: Libraries
	// reports no version for it.
	NoVersion bool
	// Unlocked is set for a build that is not safe to call from two threads
	// at once: Debian's serial OpenBLAS, built without USE_LOCKING, whose
	// concurrent callers race on its buffers and get wrong products. Its
	// users must serialize their calls, so a test that calls it from
	// several goroutines serializes them too, and judges blasctl alone.
	Unlocked bool
	// Applies maps a raw Probe reading to the count Libraries reports, for
	// libraries whose stored value can be a marker (BLIS 0.9's -1, "unset",
	// runs 1 thread); nil means the reading itself.
	Applies func(raw int) int
}

const lib = "/usr/lib/x86_64-linux-gnu/"

// Builds are the real libraries the tests run against on this machine:
// debian12Builds, or the Debian 13 root's, or the arm64 leg's.
var Builds = debian12Builds

// debian12Builds are the real libraries scripts/install-deps.sh installs.
var debian12Builds = []Build{
	{Name: "openblas-pthread", Load: []string{lib + "openblas-pthread/libopenblas.so.0"},
		InternalAPI: "openblas", Layer: "pthreads", Scope: "process",
		Probe: "openblas_get_num_threads", Setter: "openblas_set_num_threads", Package: "libopenblas0-pthread"},
	{Name: "openblas-openmp", Load: []string{lib + "openblas-openmp/libopenblas.so.0"},
		InternalAPI: "openblas", Layer: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Shared: "openblas_get_num_threads",
		Package: "libopenblas0-openmp"},
	{Name: "openblas-serial", Load: []string{lib + "openblas-serial/libopenblas.so.0"},
		InternalAPI: "openblas", Layer: "disabled", Scope: "process",
		Probe: "openblas_get_num_threads", Cap: 1, Package: "libopenblas0-serial", Unlocked: true},
	// The same source built with USE_LOCKING=1: single-threaded, and safe
	// to call from several threads at once.
	{Name: "openblas-locking", Load: []string{LockingDir + "/libopenblas.so.0"},
		InternalAPI: "openblas", Layer: "disabled", Scope: "process",
		Probe: "openblas_get_num_threads", Cap: 1, Package: "scripts/build-openblas-locking.sh"},
	{Name: "openblas64-pthread", Load: []string{lib + "openblas64-pthread/libopenblas64.so.0"},
		InternalAPI: "openblas", Layer: "pthreads", Scope: "process",
		Probe: "openblas_get_num_threads", Setter: "openblas_set_num_threads", Package: "libopenblas64-0-pthread"},
	// MKL as a program gets it by loading libmkl_rt alone: its default
	// Intel threading layer, which maps libiomp5.so at MKL's first call
	// (on Debian, libomp-dev's link to LLVM's libomp).
	{Name: "mkl", Load: []string{lib + "libmkl_rt.so"}, Needs: []string{lib + "libiomp5.so"},
		InternalAPI: "mkl", Layer: "intel", Scope: "current_thread",
		Probe: "MKL_Get_Max_Threads", Setter: "MKL_Set_Num_Threads", Package: "libmkl-rt libomp-dev"},
	// MKL's GNU threading layer, as a program built with GCC's OpenMP has
	// it: libgomp loaded first.
	{Name: "mkl-gnu", Load: []string{lib + "libgomp.so.1", lib + "libmkl_rt.so"}, Env: []string{"MKL_THREADING_LAYER=GNU"},
		InternalAPI: "mkl", Layer: "gnu", Scope: "current_thread",
		Probe: "MKL_Get_Max_Threads", Setter: "MKL_Set_Num_Threads", Package: "libmkl-rt libgomp1"},
	// BLIS 0.9 keeps one count per process; it reads -1 when no count is
	// set, which runs one thread. The two builds cannot share a process.
	{Name: "blis-pthread", Load: []string{lib + "blis-pthread/libblis.so.4"},
		InternalAPI: "blis", Layer: "pthreads", Scope: "process", Applies: blisUnset,
		Probe: "bli_thread_get_num_threads", Setter: "bli_thread_set_num_threads", Package: "libblis4-pthread"},
	{Name: "blis-openmp", Load: []string{lib + "blis-openmp/libblis.so.4"},
		InternalAPI: "blis", Layer: "openmp", Scope: "process", Applies: blisUnset,
		Probe: "bli_thread_get_num_threads", Setter: "bli_thread_set_num_threads", Package: "libblis4-openmp"},
	{Name: "libgomp", Load: []string{lib + "libgomp.so.1"}, Layer: "gnu",
		InternalAPI: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Package: "libgomp1"},
	{Name: "libomp", Load: []string{lib + "libomp.so.5"}, Layer: "llvm",
		InternalAPI: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Package: "libomp5-14"},
}

// blisUnset is what a BLIS count below 1 runs with (no ways set): 1 thread.
func blisUnset(raw int) int { return max(raw, 1) }

// Required reports whether a missing library fails the test instead of
// skipping it (BLASCTL_REQUIRE_LIBS=1, which .ci/run sets).
func Required() bool { return os.Getenv("BLASCTL_REQUIRE_LIBS") == "1" }

// Missing fails the test in CI and skips it elsewhere.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...) + " (" + installer + " installs it)"
	if Required() {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// Check reports a missing file of b, or nil.
func (b Build) Check() error {
	pkg := ""
	if b.Package != "" {
		pkg = " (package " + b.Package + ")"
	}
	for _, p := range append(slices.Clone(b.Load), b.Needs...) {
		if _, err := os.Stat(p); err != nil {
			if b.Name == "" {
				return fmt.Errorf("%s is not installed%s", p, pkg)
			}
			return fmt.Errorf("%s: %s is not installed%s", b.Name, p, pkg)
		}
	}
	return nil
}

// LoadAll dlopens every file of b and returns the handle of the library
// under test (the last one).
func (b Build) LoadAll(tb testing.TB) uintptr {
	tb.Helper()
	var h uintptr
	for _, p := range b.Load {
		h = Open(tb, p)
	}
	return h
}

// Get calls an int(void) getter.
func Get(fn uintptr) int {
	r, _, _ := purego.SyscallN(fn)
	return int(int32(r))
}

// Set calls a void(int) setter.
func Set(fn uintptr, v int) { purego.SyscallN(fn, uintptr(v)) }

// Named returns the builds with the given names, in that order. A name that
// another platform's table has but this one's lacks (MKL on arm64) is left
// out: that library is not built for this platform. It fails tb for a name
// no table knows.
func Named(tb testing.TB, names ...string) []Build {
	tb.Helper()
	var out []Build
	for _, name := range names {
		has := func(b Build) bool { return b.Name == name }
		if i := slices.IndexFunc(Builds, has); i >= 0 {
			out = append(out, Builds[i])
			continue
		}
		if !slices.ContainsFunc(debian12Builds, has) && !slices.ContainsFunc(debian13Builds, has) &&
			!slices.ContainsFunc(arm64Builds, has) {
			tb.Fatalf("no build %q", name)
		}
	}
	return out
}

// LibraryThreads is the process's OS thread count (Threads) less the
// threads the Go runtime has started (its threadcreate profile): it moves
// only when C code starts or ends threads, so a test can judge a library's
// threads before and after a call without counting an M that Go started
// meanwhile (under qemu-user, when a slow call into C hands its P off).
func LibraryThreads(tb testing.TB) int {
	tb.Helper()
	return Threads(tb) - pprof.Lookup("threadcreate").Count()
}
