package loader

import "github.com/blasctl/blasctl/internal/cdl"

// Unguarded is the guard half of Seam for a loader whose checks cannot run
// inside a sequence of C calls, and that has no lock-free lookup of an
// object: a scope there checks the loader before its calls. A Loader
// embeds it.
type Unguarded struct{}

// NoIdentity is the identity type of an Unguarded loader: it names no
// object.
type NoIdentity struct{}

// ChecksInSeq reports false.
func (Unguarded) ChecksInSeq() bool { return false }

// StartChecked reports false, adding nothing.
func (Unguarded) StartChecked(*cdl.Seq, Generation) bool { return false }

// RunChecked is not reached where StartChecked reports false: it runs s
// unguarded and reports false.
func (Unguarded) RunChecked(s *cdl.Seq) bool { s.Run(); return false }

// Identify returns NoIdentity.
func (Unguarded) Identify(uintptr) NoIdentity { return NoIdentity{} }

// StartFound reports false, adding nothing.
func (Unguarded) StartFound(*cdl.Seq, uintptr, NoIdentity) bool { return false }

// Found is not reached where StartFound reports false: it reports false.
func (Unguarded) Found(*cdl.Seq) bool { return false }

// None is the loader of a platform blasctl does not support: it is never
// available, and blasctl reports ErrUnsupported there.
type None struct{ Unguarded }

// Check reports Unavailable.
func (None) Check() (Generation, Status) { return Generation{}, Unavailable }

// List reports Unavailable.
func (None) List(func(string) bool) ([]Object, Generation, Status) {
	return nil, Generation{}, Unavailable
}

var _ Seam[NoIdentity] = None{}
