package blasctl

import "github.com/blasctl/blasctl/internal/winldr"

// The Windows seam of detection: the process's modules, listed through
// internal/winldr, and a generation counted by the loader's notifications
// (LdrRegisterDllNotification), which move with every module loaded or
// unloaded. Modules are opened with GetModuleHandleEx, which never loads
// one (internal/cdl).

type (
	platformLoader = winldr.Loader
	objectID       = winldr.Identity
)

// The names libraries ship under on Windows, beside the ones every
// platform shares: openblas.dll and openblas64_.dll, MKL's mkl_rt.dll and
// mkl_rt.2.dll, and MSVC's OpenMP runtime vcomp*.dll (libgomp-1.dll,
// libomp.dll, libomp140*.dll, libiomp5md.dll, libblis*.dll and
// libscipy_openblas*.dll match the shared prefixes).
func init() {
	openblasBackend.prefixes = append(openblasBackend.prefixes, "openblas")
	mklBackend.prefixes = append(mklBackend.prefixes, "mkl_rt")
	openmpBackend.prefixes = append(openmpBackend.prefixes, "vcomp")
}
