package libtest

import (
	"os"
	"path/filepath"
)

// iompDirs are where the loader finds a library by bare name on Debian amd64
// when nothing else (LD_LIBRARY_PATH, a RUNPATH) names another directory.
var iompDirs = []string{"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib"}

// IOMP5 returns the real path of the libiomp5.so that MKL's Intel threading
// layer maps for the libmkl_rt at mklPath, or "" when there is none. MKL
// (2020.4, seen with LD_DEBUG=files) tries libiomp5.so next to libmkl_rt
// first, then by bare name; on Debian the file is libomp-dev's link to LLVM's
// libomp. The file is searched for, not loaded.
func IOMP5(mklPath string) string {
	for _, dir := range append([]string{filepath.Dir(mklPath)}, iompDirs...) {
		p, err := filepath.EvalSymlinks(filepath.Join(dir, "libiomp5.so"))
		if err != nil {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// MKLParts lists what MKL's first call maps for a threading layer ("intel" or
// "gnu"), for the libmkl_rt at mklPath: the files it must map (by base name,
// or by real path for the OpenMP runtime) and the ones it may map besides.
// Any other file is not one of MKL's parts.
func MKLParts(mklPath, layer string) (must, may []string) {
	must = []string{"libmkl_core.so", "libmkl_intel_lp64.so"}
	may = []string{"libpthread.so.0"} // libmkl_core's NEEDED, mapped already in most processes
	iomp := IOMP5(mklPath)
	switch layer {
	case "intel":
		must = append(must, "libmkl_intel_thread.so")
		if iomp != "" {
			must = append(must, iomp)
		}
	case "gnu":
		must = append(must, "libmkl_gnu_thread.so")
		// MKL 2020.4's GNU layer looks for its runtime as "libgomp.so", a
		// name only GCC's development files provide, and loads libiomp5.so
		// when that name is not found (LD_DEBUG=files shows both tries).
		if iomp != "" {
			may = append(may, iomp)
		}
	case "sequential":
		must = append(must, "libmkl_sequential.so")
	}
	return must, may
}
