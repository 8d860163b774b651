package libtest

import (
	"os"
	"strings"
)

// debian13Builds are the real libraries of the Debian 13 (trixie) root that
// scripts/debian13-root.sh builds: OpenBLAS 0.3.29, BLIS 1.1, MKL 2020.4,
// GCC 14's libgomp and LLVM 19's libomp (libomp-19-dev adds the libiomp5.so
// link MKL's Intel layer loads). The paths are Debian 12's; what differs is
// BLIS, whose 1.x count belongs to each thread and reads 1 when unset.
var debian13Builds = debian13From(debian12Builds)

// debian13From derives the Debian 13 rows from Debian 12's: the same files,
// BLIS's count per thread with no "unset" marker, LLVM 19's packages. The
// OpenBLAS built with USE_LOCKING is left out: it is built from Debian 12's
// source, outside the root.
func debian13From(d12 []Build) []Build {
	out := make([]Build, 0, len(d12))
	for _, b := range d12 {
		switch b.Name {
		case "openblas-locking":
			continue
		case "mkl":
			b.Package = "libmkl-rt libomp-19-dev"
		case "blis-pthread", "blis-openmp":
			b.Scope, b.Applies = "current_thread", nil
		case "libomp":
			b.Package = "libomp5-19"
		}
		out = append(out, b)
	}
	return out
}

// Distro names the machine's Debian release as the build tables know it:
// "debian13" for trixie, "debian12" otherwise (and off Debian).
func Distro() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return "debian12"
	}
	var id, version string
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			id = v
		case "VERSION_ID":
			version = v
		}
	}
	if id == "debian" && version == "13" {
		return "debian13"
	}
	return "debian12"
}

// In the Debian 13 root the tests run against its libraries.
func init() {
	if Distro() == "debian13" {
		Builds = debian13Builds
	}
}
