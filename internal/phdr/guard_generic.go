//go:build linux && !amd64

package phdr

import (
	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
)

// Without linux/amd64's trampoline a sequence has no scratch words, so
// neither the generation check nor _dl_find_object can begin one: a scope
// checks the loader before its calls. The listing and the generation check
// still run: through the leaf assembly callback on arm64
// (list_linux_asm.go), through purego's elsewhere (walk_linux.go).

// Identity names no object here (see find_linux_amd64.go).
type Identity = loader.NoIdentity

// ChecksInSeq reports false.
func (Loader) ChecksInSeq() bool { return false }

// StartChecked reports false, adding nothing.
func (Loader) StartChecked(*cdl.Seq, loader.Generation) bool { return false }

// RunChecked is not reached where StartChecked reports false: it runs s
// unguarded and reports false.
func (Loader) RunChecked(s *cdl.Seq) bool { s.Run(); return false }

// Identify returns the zero Identity.
func (Loader) Identify(uintptr) Identity { return Identity{} }

// StartFound reports false, adding nothing.
func (Loader) StartFound(*cdl.Seq, uintptr, Identity) bool { return false }

// Found is not reached where StartFound reports false.
func (Loader) Found(*cdl.Seq) bool { return false }
