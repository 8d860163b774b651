package blasctl

import (
	"strings"

	"github.com/blasctl/blasctl/internal/cdl"
)

// backend recognises one kind of library. It is the contract every backend
// file (openblas.go, mkl.go, blis.go, openmp.go, ...) fulfils, as
// threadpoolctl's LibController does for its controllers. A backend file
// defines:
//
//   - a *backend value listed in backends below, naming the library's
//     internal_api and user_api as threadpoolctl reports them, and the
//     lower-case file-name prefixes it is recognised by;
//   - its open function, which binds the library's symbols through the
//     binder (sym for the object's own definitions, symDep for what it
//     reaches through its dependencies) and returns nil when the object
//     lacks them, or a *lib with: key, the address of one of its own
//     functions (one identity for all the names a library is loaded under);
//     info's version, architecture and threading layer; and at least one
//     knob (thread for a per-OS-thread count, proc for a process-wide one);
//   - one control type per count it can set (get, set, threads), whose get
//     returns the raw stored value, markers included, so that set can put it
//     back exactly;
//   - optionally lib.describe, for what changes while the library is loaded.
//
// A backend never loads code and never calls a function it did not find in
// the object it is opening (or, through symDep, in that object's own
// dependencies). register.go turns a user's Custom into a backend.
type backend struct {
	internalAPI string
	userAPI     string
	// prefixes are lower-case file-name prefixes, as threadpoolctl matches them.
	prefixes []string
	// open binds the control symbols; nil when the object does not have them.
	open func(b *binder) *lib
}

// backends lists every library kind blasctl knows, in report order.
var backends = []*backend{
	openblasBackend, mklBackend, blisBackend, flexiblasBackend, nvplBackend,
	armplBackend, lbtBackend, accelerateBackend, openmpBackend,
}

// binder resolves symbols of one candidate object through its own handle.
type binder struct {
	obj    *object
	handle uintptr
	// err is set by an open that cannot describe the object and must say
	// so (a registered Custom's mistake); the scan then fails with it.
	err error
}

// sym returns the object's own definition of name, or 0 when the object
// does not define it (a definition found in a dependency does not count).
func (b *binder) sym(name string) uintptr {
	p := cdl.Sym(b.handle, name)
	if !b.obj.owns(p) {
		return 0
	}
	return p
}

// fileName is the lower-case file name the object's path resolves to:
// backends read a build's flavour from it (libblis-mt, libnvpl_blas_lp64_gomp).
func (b *binder) fileName() string {
	return strings.ToLower(baseName(cdl.RealPath(b.obj.path)))
}

// symDep returns name as the object sees it: its own definition or the one
// of a library it depends on.
func (b *binder) symDep(name string) uintptr { return cdl.SymDep(b.handle, name) }
