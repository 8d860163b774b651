//go:build linux

package blasctl

import "github.com/blasctl/blasctl/internal/phdr"

// The Linux seam of detection: glibc's loader lists the objects
// (internal/phdr, dl_iterate_phdr) and counts loads and unloads.

// loaderGeneration reads glibc's load counters; ok is false where the C
// library does not provide them (then every call rescans).
func loaderGeneration() (generation, bool, error) {
	g, ok, err := phdr.Check()
	if err != nil {
		return generation{}, false, ErrUnsupported
	}
	return generation{g.Adds, g.Subs}, ok, nil
}

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
	return objs, generation{g.Adds, g.Subs}, ok, nil
}
