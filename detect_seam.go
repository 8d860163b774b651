package blasctl

import (
	"sync/atomic"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
)

// The seam between detection and the platform's loader. Each platform file
// (detect_linux.go, detect_darwin.go, detect_windows.go,
// detect_unsupported.go) binds platformLoader and objectID to one loader
// package's Loader and Identity (internal/phdr, internal/dyld,
// internal/winldr, or loader.None); everything else is written once, here
// and in detect.go. A Loader has no state: calls through it are static.

// platform is the loader of the platform built for.
var platform platformLoader

var _ loader.Seam[objectID] = platform

// generation identifies one state of the loader's list: the counts of
// objects ever added to and removed from it (on glibc, dlpi_adds and
// dlpi_subs).
type generation = loader.Generation

// loaderGeneration reads the loader's generation, and what it is worth.
func loaderGeneration() (generation, loader.Status) { return platform.Check() }

// listObjects lists every loaded object, with the generation the list
// belongs to. An object whose name a backend matches gets its address
// ranges where the platform can tell them, so that a symbol resolved in
// another object is not taken for the object's own.
func listObjects() ([]object, generation, loader.Status) {
	list, gen, st := platform.List(matched)
	objs := make([]object, len(list))
	for i, o := range list {
		objs[i] = object{path: o.Path, segments: o.Segments}
	}
	return objs, gen, st
}

// matched reports whether a backend matches the file name path.
func matched(path string) bool {
	be, _ := match(path)
	return be != nil
}

// checksInSeq reports whether startChecked can begin a sequence. The
// answer, fixed for the process, is kept in seqChecks after the first
// call: every warm scope asks twice, and a sync.OnceValue would cost it a
// call each time.
func checksInSeq() bool {
	if v := seqChecks.Load(); v != 0 {
		return v == 1
	}
	return initChecksInSeq()
}

func initChecksInSeq() bool {
	ok := platform.ChecksInSeq()
	v := int32(2)
	if ok {
		v = 1
	}
	seqChecks.Store(v)
	return ok
}

// seqChecks is checksInSeq's answer: 0 not known yet, 1 yes, 2 no.
var seqChecks atomic.Int32

// startChecked makes the loader check the first call of s, and guards the
// calls added after it: they are made only if the loader's generation then
// is want. It reports false, adding nothing, where the check cannot run in
// a sequence (checksInSeq).
func startChecked(s *cdl.Seq, want generation) bool {
	return checksInSeq() && platform.StartChecked(s, want)
}

// runChecked runs a sequence startChecked began and reports whether the
// generation was the one it wanted (then every call was made; else only
// the check).
func runChecked(s *cdl.Seq) bool { return platform.RunChecked(s) }

// identify returns the identity of the object holding the code address pc,
// for the lock-free check a release can run with its calls (startFound):
// the zero objectID where there is no lock-free lookup (glibc before 2.35,
// musl, architectures other than amd64, macOS, Windows).
func identify(pc uintptr) objectID { return platform.Identify(pc) }

// startFound makes the lock-free lookup of pc the first call of s and
// guards the calls added after it: they are made only if the object holding
// pc is still id. It reports false, adding nothing, for the zero objectID.
// Unlike startChecked it takes no lock, so the sequence may run with
// cdl.Seq.RunNoSyscall.
func startFound(s *cdl.Seq, pc uintptr, id objectID) bool { return platform.StartFound(s, pc, id) }

// found reports whether a sequence startFound began made every call.
func found(s *cdl.Seq) bool { return platform.Found(s) }
