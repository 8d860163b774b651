package phdr

import "github.com/blasctl/blasctl/internal/loader"

// Loader is the Linux loader as detection sees it (loader.Seam): the C
// library's dl_iterate_phdr lists the objects and reports the load
// counters, which counts_linux.go interprets.
type Loader struct{}

var _ loader.Seam[Identity] = Loader{}

// The architecture's assembly callbacks, where it has them: set by
// list_linux_asm.go on amd64 and arm64. Where one is nil, the purego
// callback (walk_linux.go) does its work.
var asm struct {
	check func() (loader.Generation, loader.Status)
	list  func() ([]loader.Object, loader.Generation, loader.Status)
}

// Check reads the load counters. It runs on every public call of blasctl,
// so it avoids the purego callback (a trip back into Go through reflect,
// several hundred ns and four allocations) where an assembly callback
// makes it one plain C call.
func (Loader) Check() (loader.Generation, loader.Status) {
	kind := loaderCounts()
	own := kind.lockOwn()
	g, st := rawCheck()
	kind.unlockOwn()
	return kind.mean(g, st, own)
}

// List lists every loaded object with its PT_LOAD ranges (want is
// ignored: they come with the listing), and the generation the list
// belongs to: through the assembly callback where there is one, else
// through the purego callback.
func (Loader) List(func(path string) bool) ([]loader.Object, loader.Generation, loader.Status) {
	kind := loaderCounts()
	own := kind.lockOwn()
	objs, g, st := rawList()
	kind.unlockOwn()
	g, st = kind.mean(g, st, own)
	return objs, g, st
}

// rawCheck reads the counters as the C library reports them.
func rawCheck() (loader.Generation, loader.Status) {
	walker.once.Do(walkerInit)
	if walker.err {
		return loader.Generation{}, loader.Unavailable
	}
	if asm.check != nil {
		return asm.check()
	}
	_, g, st := walk(true)
	return g, st
}

// rawList lists the objects, with the counters as the C library reports
// them.
func rawList() ([]loader.Object, loader.Generation, loader.Status) {
	walker.once.Do(walkerInit)
	if walker.err {
		return nil, loader.Generation{}, loader.Unavailable
	}
	if asm.list != nil {
		return asm.list()
	}
	return walk(false)
}

// status is the Status of counters the C library did or did not report.
func status(hasGen bool) loader.Status {
	if hasGen {
		return loader.Counted
	}
	return loader.Uncounted
}
