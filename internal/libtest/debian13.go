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
var debian13Builds = []Build{
	{Name: "openblas-pthread", Load: []string{lib + "openblas-pthread/libopenblas.so.0"},
		InternalAPI: "openblas", Layer: "pthreads", Scope: "process",
		Probe: "openblas_get_num_threads", Setter: "openblas_set_num_threads", Package: "libopenblas0-pthread"},
	{Name: "openblas-openmp", Load: []string{lib + "openblas-openmp/libopenblas.so.0"},
		InternalAPI: "openblas", Layer: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Witness: "openblas_get_num_threads",
		Package: "libopenblas0-openmp"},
	{Name: "openblas-serial", Load: []string{lib + "openblas-serial/libopenblas.so.0"},
		InternalAPI: "openblas", Layer: "disabled", Scope: "process",
		Probe: "openblas_get_num_threads", Cap: 1, Package: "libopenblas0-serial"},
	{Name: "openblas64-pthread", Load: []string{lib + "openblas64-pthread/libopenblas64.so.0"},
		InternalAPI: "openblas", Layer: "pthreads", Scope: "process",
		Probe: "openblas_get_num_threads", Setter: "openblas_set_num_threads", Package: "libopenblas64-0-pthread"},
	{Name: "mkl", Load: []string{lib + "libmkl_rt.so"}, Needs: []string{lib + "libiomp5.so"},
		InternalAPI: "mkl", Layer: "intel", Scope: "current_thread",
		Probe: "MKL_Get_Max_Threads", Setter: "MKL_Set_Num_Threads", Package: "libmkl-rt libomp-19-dev"},
	{Name: "mkl-gnu", Load: []string{lib + "libgomp.so.1", lib + "libmkl_rt.so"}, Env: []string{"MKL_THREADING_LAYER=GNU"},
		InternalAPI: "mkl", Layer: "gnu", Scope: "current_thread",
		Probe: "MKL_Get_Max_Threads", Setter: "MKL_Set_Num_Threads", Package: "libmkl-rt libgomp1"},
	// BLIS 1.x keeps a count per thread (thread-local rntm), so the two
	// builds report current_thread; an unset count reads 1, not -1.
	{Name: "blis-pthread", Load: []string{lib + "blis-pthread/libblis.so.4"},
		InternalAPI: "blis", Layer: "pthreads", Scope: "current_thread",
		Probe: "bli_thread_get_num_threads", Setter: "bli_thread_set_num_threads", Package: "libblis4-pthread"},
	{Name: "blis-openmp", Load: []string{lib + "blis-openmp/libblis.so.4"},
		InternalAPI: "blis", Layer: "openmp", Scope: "current_thread",
		Probe: "bli_thread_get_num_threads", Setter: "bli_thread_set_num_threads", Package: "libblis4-openmp"},
	{Name: "libgomp", Load: []string{lib + "libgomp.so.1"}, Layer: "gnu",
		InternalAPI: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Package: "libgomp1"},
	{Name: "libomp", Load: []string{lib + "libomp.so.5"}, Layer: "llvm",
		InternalAPI: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Package: "libomp5-19"},
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
