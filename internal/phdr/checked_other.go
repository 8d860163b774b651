//go:build linux && !amd64

package phdr

import "github.com/blasctl/blasctl/internal/cdl"

// CanCheckInSeq reports false: see StartChecked.
func CanCheckInSeq() bool { return false }

// StartChecked reports false: only linux/amd64 has the assembly check a
// sequence can start with.
func StartChecked(*cdl.Seq, Generation) bool { return false }

// RunChecked is never reached where StartChecked reports false.
func RunChecked(s *cdl.Seq) bool { s.Run(); return false }
