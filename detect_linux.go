//go:build linux

package blasctl

import (
	"sync"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/phdr"
)

// The Linux seam of detection: glibc's loader lists the objects
// (internal/phdr, dl_iterate_phdr) and counts loads and unloads.

// loaderGeneration reads glibc's load counters; ok is false where the C
// library does not provide them or they mean something else (then every
// call rescans).
func loaderGeneration() (generation, bool, error) {
	g, ok, err := phdr.Check()
	if err != nil {
		return generation{}, false, ErrUnsupported
	}
	return generation{g.Adds, g.Subs}, ok && countsLoads(), nil
}

// countsLoads reports whether the loader's counters change only when an
// object is added to or removed from its list, as glibc's do. musl's loader
// adds one to dlpi_adds for every dlopen that succeeds, blasctl's own
// RTLD_NOLOAD opens of objects already loaded included (and dlpi_subs stays
// 0: it never unloads). Trusting those, each scan would move the generation
// it is checked against, and loaded() would scan forever. Only glibc
// exports gnu_get_libc_version.
var countsLoads = sync.OnceValue(func() bool {
	libc := cdl.OpenNoLoad("libc.so.6")
	if libc == 0 {
		return false
	}
	defer cdl.Close(libc)
	return cdl.Sym(libc, "gnu_get_libc_version") != 0
})

// listObjects lists every loaded object, with the generation the list
// belongs to.
func listObjects() ([]object, generation, bool, error) {
	list, g, ok, err := phdr.List()
	if err != nil {
		return nil, generation{}, false, ErrUnsupported
	}
	objs := make([]object, len(list))
	for i, o := range list {
		objs[i] = object{path: o.Path, segments: o.Segments}
	}
	return objs, generation{g.Adds, g.Subs}, ok && countsLoads(), nil
}
