//go:build linux && !amd64

package phdr

import "github.com/blasctl/blasctl/internal/cdl"

// Identity names a loaded object where _dl_find_object can run in a
// sequence of C calls: only linux/amd64, whose trampoline gives a sequence
// scratch words. Here it is always the zero Identity.
type Identity struct{}

// Identify reports false: see Identity.
func Identify(uintptr) (Identity, bool) { return Identity{}, false }

// StartFound reports false: see Identity.
func StartFound(*cdl.Seq, uintptr, Identity) bool { return false }

// Found is never reached where StartFound reports false.
func Found(*cdl.Seq) bool { return false }
