package libtest

import (
	"cmp"
	"os"
	"runtime"
	"strconv"
)

// The windows/amd64 tables, run under Wine by the windows leg
// (scripts/legs/windows.sh): Debian packages no Windows build of any BLAS,
// so the one real library is GCC's own OpenMP runtime, libgomp-1.dll, from
// Debian's mingw-w64 cross compiler (GCC 12); every other library is a C
// fixture cross-compiled with mingw under the file name it ships with on
// Windows.

// mingwDir is where Debian's mingw-w64 (win32 threads) keeps GCC's runtime
// DLLs, as Wine shows it: drive Z: is /. BLASCTL_MINGW_DIR overrides it.
var mingwDir = cmp.Or(os.Getenv("BLASCTL_MINGW_DIR"), `Z:\usr\lib\gcc\x86_64-w64-mingw32\12-win32\`)

var windowsBuilds = []Build{
	{Name: "libgomp", Load: []string{mingwDir + "libgomp-1.dll"}, Layer: "gnu",
		InternalAPI: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Package: "gcc-mingw-w64-x86-64-win32"},
}

// openblasFixture is an OpenBLAS stand-in (testdata/faults/fault.c,
// behaving) under a Windows name, its symbols given prefix and suffix.
func openblasFixture(name, file, prefix, suffix string) Fixture {
	sym := func(s string) string { return prefix + s + suffix }
	var flags []string
	if prefix != "" || suffix != "" {
		for _, s := range []string{"openblas_get_num_threads", "openblas_set_num_threads", "openblas_get_config",
			"openblas_get_corename", "openblas_get_parallel"} {
			flags = append(flags, "-D"+s+"="+sym(s))
		}
	}
	return Fixture{Build: Build{Name: name, InternalAPI: "openblas", Layer: "pthreads", Scope: "process",
		Probe: sym("openblas_get_num_threads"), Setter: sym("openblas_set_num_threads")},
		Sources: []string{"testdata/faults/fault.c"}, File: file, Flags: flags}
}

// windowsFiles names the file each Linux fixture that also runs on Windows
// is compiled to there: the name its library ships under.
var windowsFiles = map[string]string{
	"fixture-blis1":          "libblis.4.dll",
	"fixture-aocl":           "libblis-mt.dll",
	"fixture-flexiblas":      "libflexiblas.dll",
	"fixture-nvpl":           "libnvpl_blas_lp64_gomp.dll",
	"fixture-armpl":          "libarmpl_lp64_mp.dll",
	"fixture-blastrampoline": "libblastrampoline-5.dll",
	"fixture-iomp5":          "libiomp5md.dll",
	"fixture-custom":         "libfoo.dll",
}

// windowsFixtures are the Linux fixtures under their Windows file names,
// plus the OpenBLAS stand-ins and the two OpenMP runtimes only Windows has.
var windowsFixtures = func() []Fixture {
	fs := []Fixture{
		openblasFixture("fixture-openblas", "libopenblas.dll", "", ""),
		openblasFixture("fixture-openblas-bare", "openblas.dll", "", ""),
		openblasFixture("fixture-openblas64", "libopenblas64_.dll", "", "64_"),
		openblasFixture("fixture-scipy-openblas", "libscipy_openblas64_-ff651d7f.dll", "scipy_", "64_"),
	}
	for _, f := range Fixtures {
		if file, ok := windowsFiles[f.Name]; ok {
			f.File = file
			fs = append(fs, f)
		}
	}
	iompFlags := []string{"-DFIXTURE_NPROCS=" + strconv.Itoa(FixtureNThreads)}
	return append(fs,
		// LLVM's OpenMP runtime as MSVC ships it (the KMP family: the iomp
		// stand-in under LLVM's name).
		Fixture{Build: Build{Name: "fixture-libomp140", InternalAPI: "openmp", Layer: "llvm", Scope: "current_thread",
			Probe: "omp_get_max_threads", Setter: "omp_set_num_threads"},
			Sources: []string{fx + "iomp/iomp.c"}, File: "libomp140.x86_64.dll", Flags: iompFlags},
		// MSVC's OpenMP runtime: one count for the whole process.
		Fixture{Build: Build{Name: "fixture-vcomp", InternalAPI: "openmp", Layer: "msvc", Scope: "process",
			Probe: "omp_get_max_threads", Setter: "omp_set_num_threads"},
			Sources: []string{fx + "vcomp/vcomp.c"}, File: "vcomp140.dll", Flags: iompFlags},
	)
}()

// WindowsOpenBLASEnv names a real OpenBLAS DLL to test as a row of its
// own: Debian's OpenBLAS 0.3.21 source cross-compiled with mingw
// (scripts/build-openblas-windows.sh; too slow to build in CI, so the row
// runs only where that DLL was built and the leg names it).
const WindowsOpenBLASEnv = "BLASCTL_WINDOWS_OPENBLAS"

func init() {
	if runtime.GOOS == "windows" {
		if p := os.Getenv(WindowsOpenBLASEnv); p != "" {
			windowsBuilds = append(windowsBuilds, Build{Name: "openblas-pthread", Load: []string{p},
				InternalAPI: "openblas", Layer: "pthreads", Scope: "process",
				Probe: "openblas_get_num_threads", Setter: "openblas_set_num_threads",
				Package: "scripts/build-openblas-windows.sh"})
		}
		Builds, Fixtures, LibDir = windowsBuilds, windowsFixtures, mingwDir
		installer = "scripts/install-windows.sh"
	}
}

// BuildsHere reports whether this platform has real library builds to run
// (Builds): Debian's amd64 and arm64 packages on Linux, mingw's libgomp on
// Windows.
func BuildsHere() bool {
	return runtime.GOOS == "windows" || (runtime.GOOS == "linux" && LibDir != "")
}
