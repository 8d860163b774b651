package dyld

import (
	"sync/atomic"

	"github.com/blasctl/blasctl/internal/loader"
)

// images is a loader that lists its images by index and reports each
// addition and removal through a callback, as dyld does. The counts of
// those callbacks are the generation, as glibc's counters are on Linux.
// Everything here is platform-neutral, so the Linux tests exercise it;
// dyld_darwin.go supplies count and name and calls added and removed.
type images struct {
	adds, subs atomic.Uint64
	count      func() int
	name       func(i int) string // "" for an index that is no longer valid
}

func (l *images) added()   { l.adds.Add(1) }
func (l *images) removed() { l.subs.Add(1) }

// generation is the current count of additions and removals.
func (l *images) generation() loader.Generation {
	return loader.Generation{Adds: l.adds.Load(), Subs: l.subs.Load()}
}

// list lists the images with the generation read before the listing began:
// an image added or removed while it runs moves the generation past the one
// returned, so the next check lists again instead of trusting a stale list.
func (l *images) list() ([]loader.Object, loader.Generation) {
	gen := l.generation()
	n := l.count()
	objs := make([]loader.Object, 0, n)
	for i := 0; i < n; i++ {
		if p := l.name(i); p != "" {
			objs = append(objs, loader.Object{Path: p})
		}
	}
	return objs, gen
}
