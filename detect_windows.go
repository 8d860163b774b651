//go:build windows

package blasctl

import (
	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/winldr"
)

// The Windows seam of detection: the process's modules, listed through
// internal/winldr, and a generation counted by the loader's notifications
// (LdrRegisterDllNotification), which move with every module loaded or
// unloaded. Modules are opened with GetModuleHandleEx, which never loads
// one (internal/cdl).

func loaderGeneration() (generation, bool, error) {
	g, ok := winldr.Check()
	return generation{g.Adds, g.Subs}, ok, nil
}

// listObjects lists every module; those whose names a backend matches get
// their image's address range, so that a symbol resolved in another module
// is not taken for the module's own (the size costs a slow call under Wine:
// winldr.ImageSize).
func listObjects() ([]object, generation, bool, error) {
	mods, g, ok, err := winldr.List()
	if err != nil {
		return nil, generation{}, false, ErrUnsupported
	}
	objs := make([]object, 0, len(mods))
	for _, m := range mods {
		o := object{path: m.Path}
		if be, _ := match(m.Path); be != nil {
			size, there := winldr.ImageSize(m.Base)
			if !there {
				continue // unloaded since the listing: the generation has moved
			}
			o.segments = [][2]uintptr{{m.Base, m.Base + size}}
		}
		objs = append(objs, o)
	}
	return objs, generation{g.Adds, g.Subs}, ok, nil
}

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

// checksInSeq reports false: Windows has no loader check that can run in a
// sequence of C calls; scopes check the loader before their calls.
func checksInSeq() bool { return false }

// startChecked reports false: see checksInSeq.
func startChecked(*cdl.Seq, generation) bool { return false }

// runChecked runs s unguarded and reports false: see checksInSeq.
func runChecked(s *cdl.Seq) bool { s.Run(); return false }

// objectID is empty: there is no lock-free lookup of a loaded object here.
type objectID struct{}

func identify(uintptr) objectID { return objectID{} }

// startFound reports false: see objectID.
func startFound(*cdl.Seq, uintptr, objectID) bool { return false }

func found(*cdl.Seq) bool { return false }
