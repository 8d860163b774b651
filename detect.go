package blasctl

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
)

// object is one entry of the loader's list of loaded objects.
type object struct {
	// path is the name the loader knows the object by.
	path string
	// segments are the object's mapped address ranges [lo, hi), when the
	// platform tells them; they prove that a symbol is the object's own.
	segments [][2]uintptr
}

// owns reports whether addr lies inside the object. Without known segments
// it cannot tell and says yes.
func (o *object) owns(addr uintptr) bool {
	if len(o.segments) == 0 {
		return addr != 0
	}
	for _, s := range o.segments {
		if addr >= s[0] && addr < s[1] {
			return true
		}
	}
	return false
}

// detector caches what was found, keyed by the loader generation.
var det struct {
	mu    sync.Mutex
	valid bool
	gen   generation
	libs  []*lib
	// current is the cache while it is valid (nil otherwise), for the
	// check that takes no lock.
	current atomic.Pointer[detection]
}

// detection is one valid cache entry: the libraries found at gen.
type detection struct {
	gen  generation
	libs []*lib
}

// invalidateLocked makes the next call scan again; called with det.mu held.
func invalidateLocked() {
	det.valid = false
	det.current.Store(nil)
}

// loaded returns the controllable libraries loaded now. A cheap generation
// check makes a call without loader changes return the cached list; any
// dlopen or dlclose since the last call triggers a new scan.
//
// The generation is read with the detector's lock held, after any scan in
// progress has finished: a scan's own dlclose can be the last reference to
// a library its owner already closed, and it unloads the library after the
// listing that found it; and a backend's open can load objects (a cold MKL
// maps its threading layer at the first call, which open makes). So after a
// scan the generation is read again, and the scan repeats until the list it
// is based on is still current: the cache never outlives an unload, blasctl's
// own included, and a cold MKL's OpenMP runtime is reported by the same call.
//
// While nothing was loaded or unloaded, the check takes no lock: the
// counters only grow, so a generation equal to the one a valid cache was
// listed at proves that the list is still the loader's (a scan's own
// dlclose moves the counters too). A scope's release checks this way while
// its goroutine is locked to its thread, without waiting on det.mu.
func loaded() ([]*lib, error) {
	if d := det.current.Load(); d != nil {
		if gen, st := loaderGeneration(); st == loader.Counted && gen == d.gen {
			return d.libs, faulty(d.libs)
		}
	}
	det.mu.Lock()
	defer det.mu.Unlock()
	for {
		gen, st := loaderGeneration()
		switch {
		case st == loader.Unavailable:
			return nil, ErrUnsupported
		case st == loader.Counted && det.valid && gen == det.gen:
			return det.libs, faulty(det.libs)
		}
		objs, listed, st := listObjects()
		if st == loader.Unavailable {
			return nil, ErrUnsupported
		}
		libs, err := scan(objs, det.libs)
		// Libraries that left are flagged gone also when the scan failed
		// (a registered Custom's mistake): a scope still holding one must
		// not call it at its release.
		markGone(det.libs, libs)
		noteGuard(libs)
		if err != nil {
			det.libs = libs
			invalidateLocked()
			return nil, err
		}
		if st != loader.Counted {
			// No counters: nothing to check against, so nothing cached.
			det.libs, det.gen = libs, listed
			invalidateLocked()
			return libs, faulty(libs)
		}
		det.libs, det.gen, det.valid = libs, listed, true
		det.current.Store(&detection{gen: listed, libs: libs})
	}
}

// faulty returns the error of a library among libs whose control broke its
// promise (a CustomControl that panicked), or nil; nothing to look for until
// one has.
func faulty(libs []*lib) error {
	if customFaults.Load() == 0 {
		return nil
	}
	for _, l := range libs {
		if l.fault != nil {
			if err := l.fault(); err != nil {
				return err
			}
		}
	}
	return nil
}

// scan recognises the controllable libraries among objs. A library already
// known from an earlier scan keeps its identity, so scopes holding it go on:
// the same backend found it, at the same address, in the same file. The
// error is the first registered Custom's that failed (ErrBadCustom); the
// scan goes on past it, so that the libraries returned are every other one
// still loaded.
func scan(objs []object, prev []*lib) ([]*lib, error) {
	known := make(map[uintptr]*lib, len(prev))
	for _, l := range prev {
		known[l.key] = l
	}
	seen := map[uintptr]bool{}
	var libs []*lib
	var first error
	for i := range objs {
		o := &objs[i]
		be, prefix := match(o.path)
		if be == nil {
			continue
		}
		h := cdl.OpenNoLoad(o.path)
		if h == 0 {
			continue
		}
		b := binder{obj: o, handle: h}
		l := be.open(&b)
		cdl.Close(h)
		if b.err != nil {
			if first == nil {
				first = b.err
			}
			continue
		}
		if l == nil || seen[l.key] {
			continue
		}
		seen[l.key] = true
		path := cdl.RealPath(o.path)
		// Same backend, key and file: the same library. Another file at the
		// key's address (one unloaded, another loaded in its place) is new,
		// and so is one that another backend claims now (a Custom replaced).
		if old := known[l.key]; old != nil && old.be == be && old.info.Filepath == path {
			libs = append(libs, old)
			continue
		}
		l.be = be
		// The prefix of the file itself, as threadpoolctl reports it:
		// Debian's libiomp5.so is a link to LLVM's libomp.so.5 ("libomp").
		if rbe, rprefix := matchName(baseName(path)); rbe == be {
			prefix = rprefix
		}
		l.info.UserAPI, l.info.InternalAPI, l.info.Prefix = be.userAPI, be.internalAPI, prefix
		l.info.Filepath = path
		libs = append(libs, l)
	}
	return libs, first
}

// refreshGone rescans if the loader's list changed, so that libraries their
// owner unloaded are flagged gone before blasctl would call into them. A
// library unloaded while blasctl is calling into it is the owner's race, as
// for any other call into it.
func refreshGone() { _, _ = loaded() }

// markGone flags the libraries of prev that are no longer loaded, so that a
// scope still holding one does not call into unmapped code.
func markGone(prev, now []*lib) {
	still := make(map[*lib]bool, len(now))
	for _, l := range now {
		still[l] = true
	}
	counts.mu.Lock()
	defer counts.mu.Unlock()
	for _, l := range prev {
		if !still[l] {
			l.gone.Store(true)
		}
	}
}

// match finds the backend whose prefix starts the object's file name,
// following a symbolic link in the last path element when the name itself
// does not match but may stand for another library: a memfd opened as
// /proc/self/fd/N, or a generic BLAS name (libblas.so.3 linked to OpenBLAS,
// as conda and Debian's alternatives do). Only those names are followed, so
// that the first scan makes no system call for the other thirty-odd objects
// of a process. It returns the backend and the matching prefix.
func match(path string) (*backend, string) {
	if path == "" {
		return nil, ""
	}
	name := baseName(path)
	for hops := 0; ; hops++ {
		if be, prefix := matchName(name); be != nil {
			return be, prefix
		}
		if hops == 8 || !mayAlias(name) {
			return nil, ""
		}
		target, err := os.Readlink(path)
		if err != nil {
			return nil, ""
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path, name = target, baseName(target)
	}
}

// aliasPrefixes start the generic names a BLAS is loaded under.
var aliasPrefixes = []string{"libblas", "libcblas", "liblapack"}

// mayAlias reports whether a file name may be a link to a library of
// another name: a generic BLAS name, or a descriptor number.
func mayAlias(name string) bool {
	lower := strings.ToLower(name)
	for _, p := range aliasPrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return strings.Trim(name, "0123456789") == ""
}

// matchName matches a file's base name against every backend's prefixes.
// A memfd's name ("memfd:libopenblas.so (deleted)") matches by the name
// its creator gave it.
func matchName(name string) (*backend, string) {
	lower := strings.TrimPrefix(strings.ToLower(name), "memfd:")
	for _, be := range backends {
		for _, p := range be.prefixes {
			if strings.HasPrefix(lower, p) {
				return be, p
			}
		}
	}
	return nil, ""
}

// baseName is the file name of path, without the kernel's " (deleted)" mark.
func baseName(path string) string {
	return filepath.Base(strings.TrimSuffix(path, " (deleted)"))
}
