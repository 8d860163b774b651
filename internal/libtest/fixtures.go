package libtest

import (
	"runtime"
	"strconv"
)

// Fixture is a C library from testdata/fixtures that stands in for a vendor
// library Debian does not ship. The parent test compiles it into a temporary
// directory and passes the files to load to the child in ChildEnv (the
// build's Load); the child then runs the same suite as for a real build.
type Fixture struct {
	// Build is what the suite expects; its Load is filled in by the parent.
	Build
	// Sources are C files relative to the module root.
	Sources []string
	// File is the name the library is compiled to: the vendor's file name,
	// so that detection recognises it by prefix as it would the real one.
	File string
	// Flags go to the compiler.
	Flags []string
	// Before lists real libraries the child loads before the fixture.
	Before []string
}

// FixtureNThreads is the multi-threaded count of the Accelerate fixture and
// the default count of the Intel OpenMP fixture.
const FixtureNThreads = 2

const fx = "testdata/fixtures/"

var (
	ompFlags = []string{"-fopenmp", "-Wl,--no-as-needed", "-lgomp"}
	nthreads = "-DFIXTURE_NTHREADS=" + strconv.Itoa(FixtureNThreads)
)

// Fixtures are the fixture-tested backends, one child process each.
var Fixtures = []Fixture{
	{Build: Build{Name: "fixture-blis1", InternalAPI: "blis", Layer: "pthreads", Scope: "current_thread",
		Probe: "bli_thread_get_num_threads", Setter: "bli_thread_set_num_threads"},
		Sources: []string{fx + "blis/blis1.c"}, File: "libblis.so.4"},
	{Build: Build{Name: "fixture-aocl", InternalAPI: "blis", Layer: "openmp", Scope: "current_thread",
		Probe: "bli_thread_get_num_threads", Setter: "bli_thread_set_num_threads"},
		Sources: []string{fx + "aocl/aocl.c"}, File: "libblis-mt.so", Flags: ompFlags},
	{Build: Build{Name: "fixture-flexiblas", InternalAPI: "flexiblas", Scope: "process",
		Probe: "flexiblas_get_num_threads", Setter: "flexiblas_set_num_threads"},
		Sources: []string{fx + "flexiblas/flexiblas.c"}, File: "libflexiblas.so.3"},
	{Build: Build{Name: "fixture-accelerate", InternalAPI: "accelerate", Scope: "current_thread",
		Probe: "fixture_threads", Cap: FixtureNThreads, NoVersion: true},
		Sources: []string{fx + "accelerate/accelerate.c"}, File: "libBLAS.dylib", Flags: []string{nthreads}},
	{Build: Build{Name: "fixture-nvpl", InternalAPI: "nvpl", Layer: "openmp", Scope: "current_thread",
		Probe: "nvpl_blas_get_max_threads", Setter: "nvpl_blas_set_num_threads"},
		Sources: []string{fx + "nvpl/nvpl.c"}, File: "libnvpl_blas_lp64_gomp.so.0", Flags: ompFlags},
	{Build: Build{Name: "fixture-armpl", InternalAPI: "armpl", Layer: "openmp", Scope: "current_thread",
		Probe: "fixture_threads", Setter: "omp_set_num_threads"},
		Sources: []string{fx + "armpl/armpl.c"}, File: "libarmpl_lp64_mp.so", Flags: ompFlags},
	{Build: Build{Name: "fixture-blastrampoline", InternalAPI: "blastrampoline", Scope: "process",
		Probe: "lbt_get_num_threads", Setter: "lbt_set_num_threads", NoVersion: true},
		Sources: []string{fx + "lbt/lbt.c"}, File: "libblastrampoline.so.5"},
	{Build: Build{Name: "fixture-iomp5", InternalAPI: "openmp", Layer: "intel", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads"},
		Sources: []string{fx + "iomp/iomp.c"}, File: "libiomp5.so", Flags: []string{"-DFIXTURE_NPROCS=" + strconv.Itoa(FixtureNThreads)}},
	// A library blasctl does not know, limited through blasctl.Register
	// (the child registers it before the suite).
	{Build: Build{Name: "fixture-custom", InternalAPI: FixtureCustomAPI, Scope: "process",
		Probe: "foo_threads_in_use", Setter: "foo_set_threads"},
		Sources: []string{fx + "custom/custom.c"}, File: "libfoo.so.1"},
}

// FixtureCustomAPI is the internal API of the library the tests register
// with blasctl.Register.
const FixtureCustomAPI = "foo"

// CurrentFixture returns the fixture this process is a child for, with its
// files to load, if any.
func CurrentFixture() (Fixture, bool) {
	s, _ := This()
	for _, f := range Fixtures {
		if s.Build != "" && f.Name == s.Build {
			f.Load = s.Load
			return f, true
		}
	}
	return Fixture{}, false
}

// FixturesSupported reports whether fixtures can be built and loaded here:
// ELF fixtures on Linux, DLLs cross-compiled with mingw on Windows.
func FixturesSupported() bool { return runtime.GOOS == "linux" || runtime.GOOS == "windows" }
