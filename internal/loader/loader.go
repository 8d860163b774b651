package loader

import (
	"strconv"

	"github.com/blasctl/blasctl/internal/cdl"
)

// Generation identifies one state of the loader's list of objects: the
// counts of objects added to and removed from it. Any load or unload that
// changes the list moves it.
type Generation struct{ Adds, Subs uint64 }

// Object is one entry of the loader's list of loaded objects.
type Object struct {
	// Path is the name the loader knows the object by ("" for the main
	// program on glibc).
	Path string
	// Segments are the object's mapped address ranges [lo, hi), where the
	// loader tells them.
	Segments [][2]uintptr
}

// Status is what a Generation read from the loader is worth.
type Status int

const (
	// Unavailable: the loader cannot be asked here. Nothing was read or
	// listed; blasctl reports ErrUnsupported.
	Unavailable Status = iota
	// Uncounted: the list can be read, but the loader keeps no counts that
	// can be trusted. The Generation means nothing: every caller lists
	// again.
	Uncounted
	// Counted: the Generation is the loader's. While it reads the same,
	// the list is the same.
	Counted
)

// Seam is what every loader package's Loader provides. ID is the package's
// Identity type: what Identify returns, comparable, and zero for no object.
type Seam[ID comparable] interface {
	// Check returns the current generation. It runs on every public call
	// of blasctl, so it is cheap: tens of nanoseconds.
	Check() (Generation, Status)
	// List returns every loaded object and the generation the list belongs
	// to. want selects the objects whose Segments the caller needs; a
	// loader that reads every object's segments at no extra cost ignores
	// it, one that pays per object reads only those. want is never called
	// with the loader's lock held.
	List(want func(path string) bool) ([]Object, Generation, Status)

	// ChecksInSeq reports whether StartChecked can begin a sequence. The
	// answer is fixed for the process: a caller asks once and keeps it.
	ChecksInSeq() bool
	// StartChecked makes the generation check the first call of the empty
	// sequence s and guards the calls added after it: they are made only
	// if the generation then is want. Call it only where ChecksInSeq
	// reported true (it does not ask again); elsewhere it may report
	// false, adding nothing.
	StartChecked(s *cdl.Seq, want Generation) bool
	// RunChecked runs a sequence StartChecked began and reports whether
	// every call was made.
	RunChecked(s *cdl.Seq) bool

	// Identify returns the identity of the loaded object holding the code
	// address pc, found without taking the loader's lock; the zero ID
	// where there is no such lookup or no object holds pc.
	Identify(pc uintptr) ID
	// StartFound makes the lookup of pc the first call of the empty
	// sequence s and guards the calls added after it: they are made only
	// if the object holding pc is still id. It reports false, adding
	// nothing, for the zero ID. The lookup takes no lock, so the sequence
	// may run with cdl.Seq.RunNoSyscall.
	StartFound(s *cdl.Seq, pc uintptr, id ID) bool
	// Found reports whether a sequence StartFound began made every call.
	Found(s *cdl.Seq) bool
}

// String names the status, for messages.
func (s Status) String() string {
	switch s {
	case Unavailable:
		return "unavailable"
	case Uncounted:
		return "uncounted"
	case Counted:
		return "counted"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}
