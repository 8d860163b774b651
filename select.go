package blasctl

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Filter chooses libraries for Select. Filters are values: build them with
// UserAPI, InternalAPI or Prefix; names match without regard to case. The
// zero Filter is invalid.
type Filter struct {
	kind  filterKind
	value string
}

type filterKind int

const (
	byUserAPI filterKind = iota + 1
	byInternalAPI
	byPrefix
	byFilepath // LimitToGOMAXPROCS's own
)

// UserAPI selects the libraries of one user API: "blas" or "openmp" (or
// one a registered Custom declares). Another name is an error matching
// ErrInvalidFilter from every call of the Controller.
func UserAPI(api string) Filter { return Filter{byUserAPI, api} }

// InternalAPI selects one implementation: "openblas", "mkl", "blis",
// "openmp", ... (every internal_api blasctl reports, and registered
// Customs'). Another name is an error matching ErrInvalidFilter.
func InternalAPI(api string) Filter { return Filter{byInternalAPI, api} }

// Prefix selects the libraries recognised by one file-name prefix, such as
// "libgomp" or "libopenblas". An empty prefix is an error matching
// ErrInvalidFilter.
func Prefix(prefix string) Filter { return Filter{byPrefix, prefix} }

func (f Filter) field(l Library) string {
	switch f.kind {
	case byUserAPI:
		return l.UserAPI
	case byInternalAPI:
		return l.InternalAPI
	case byPrefix:
		return l.Prefix
	case byFilepath:
		return l.Filepath
	}
	return ""
}

func (f Filter) match(l Library) bool {
	if f.kind == byFilepath {
		return f.value == l.Filepath
	}
	return f.kind != 0 && strings.EqualFold(f.field(l), f.value)
}

// check returns why f can match nothing, or nil.
func (f Filter) check() error {
	switch f.kind {
	case 0:
		return fmt.Errorf("%w: the zero Filter; build one with UserAPI, InternalAPI or Prefix", ErrInvalidFilter)
	case byPrefix, byFilepath:
		if f.value == "" {
			return fmt.Errorf("%w: an empty prefix", ErrInvalidFilter)
		}
		return nil
	}
	det.mu.Lock()
	defer det.mu.Unlock()
	var known []string
	for _, be := range backends {
		name := be.internalAPI
		if f.kind == byUserAPI {
			name = be.userAPI
		}
		if strings.EqualFold(name, f.value) {
			return nil
		}
		if !slices.Contains(known, name) {
			known = append(known, name)
		}
	}
	what := "internal API"
	if f.kind == byUserAPI {
		what = "user API"
	}
	return fmt.Errorf("%w: unknown %s %q (known: %s)", ErrInvalidFilter, what, f.value, strings.Join(known, ", "))
}

// Controller acts on a subset of the loaded libraries. It holds no snapshot:
// each call sees the libraries loaded at that moment (a cheap check of the
// loader's load and unload counters makes repeated calls reuse one scan).
// A Controller is safe for concurrent use.
type Controller struct {
	filters []Filter

	// frozen marks a snapshot: sel is fixed and no call checks the loader.
	frozen bool
	sel    []*lib

	mu  sync.Mutex
	err error // a filter that can match nothing (ErrInvalidFilter)
	// checked reports whether the filters were checked, and checkedAt the
	// backendsVersion they were last checked against.
	checked   bool
	checkedAt uint64

	// last is the last selection a call made, always with every filter
	// valid; calls reuse it, and scopes read it without c.mu (cachedLibs).
	last atomic.Pointer[selection]
}

// selection is a filtered Controller's choice sel among the libraries of
// one detection, from, made while Register and unregister had run version
// times in all (backendsVersion).
type selection struct {
	from, sel []*lib
	version   uint64
}

// backendsVersion counts the changes to backends (Register and its
// unregister): a filter's validity depends on the names they declare.
// Atomic, and changed only under det.mu, with backends.
var backendsVersion atomic.Uint64

// Snapshot returns a Controller fixed to the libraries c selects now. Its
// calls skip the check for libraries loaded or unloaded since, which every
// other call makes, so a scope costs only the library calls: use it to wrap
// many short BLAS calls in a hot loop, much like a reused threadpoolctl
// ThreadpoolController.
//
// A snapshot never sees a library loaded after it was taken, and every
// library it holds must stay loaded while it is used (blasctl cannot notice
// a dlclose without the check it skips). Take a new snapshot after loading
// or unloading a library. A snapshot is safe for concurrent use, and its
// scopes combine with every other scope and limit as usual.
func (c *Controller) Snapshot() (*Controller, error) {
	libs, err := c.libs()
	if err != nil {
		return nil, err
	}
	return &Controller{frozen: true, sel: libs}, nil
}

// all is the Controller of the package-level functions.
var all = &Controller{}

// Select returns a Controller for the libraries that match any of filters;
// with no filters, for every library. For example, only the BLAS libraries:
//
//	err := blasctl.Select(blasctl.UserAPI("blas")).WithThreads(1, fn)
func Select(filters ...Filter) *Controller {
	return &Controller{filters: append([]Filter(nil), filters...)}
}

// Libraries reports every controllable library loaded now, in load order,
// with its current count. See Controller.Libraries.
func Libraries() ([]Library, error) { return all.Libraries() }

// Libraries reports the selected libraries loaded now, each with the count
// that applies to calls from the calling OS thread. It finds libraries
// dlopen-ed at any time before the call; it never loads anything itself.
// (One library loads parts of its own: MKL chooses and maps its threading
// layer at its first call, and if the program never called MKL, blasctl's
// first reading is that call.)
// On platforms other than Linux, macOS and Windows it returns ErrUnsupported.
func (c *Controller) Libraries() ([]Library, error) {
	libs, err := c.libs()
	if err != nil {
		return nil, err
	}
	out := make([]Library, len(libs))
	for i, l := range libs {
		out[i] = l.report()
	}
	return out, nil
}

// libs returns the selected libraries, reusing the last selection while the
// detection result is unchanged.
func (c *Controller) libs() ([]*lib, error) {
	if c.frozen {
		return c.sel, nil
	}
	found, err := loaded()
	if err != nil {
		return nil, err
	}
	if len(c.filters) == 0 {
		return found, nil
	}
	// The last selection, made from this detection while the filters were
	// valid and no Register or unregister has run since, needs no c.mu: a
	// scope may call here with its goroutine locked to its thread.
	if s := c.last.Load(); s != nil && sameSlice(s.from, found) && s.version == backendsVersion.Load() {
		return s.sel, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Filters are checked on the first call and again after a Register or
	// an unregister, which can make a name known or unknown; with no library
	// loaded at all, detection alone would never tell.
	if v := backendsVersion.Load(); !c.checked || c.checkedAt != v {
		c.err = nil
		for _, f := range c.filters {
			if err := f.check(); err != nil {
				c.err = err
				break
			}
		}
		c.checked, c.checkedAt = true, v
	}
	if c.err != nil {
		return nil, c.err
	}
	s := c.last.Load()
	if s == nil || !sameSlice(s.from, found) || s.version != c.checkedAt {
		sel := make([]*lib, 0, len(found))
		for _, l := range found {
			if c.matches(l.info) {
				sel = append(sel, l)
			}
		}
		s = &selection{from: found, sel: sel, version: c.checkedAt}
		c.last.Store(s)
	}
	return s.sel, nil
}

func (c *Controller) matches(l Library) bool {
	for _, f := range c.filters {
		if f.match(l) {
			return true
		}
	}
	return false
}

// sameSlice reports whether a and b are the same slice (one detection).
func sameSlice(a, b []*lib) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
