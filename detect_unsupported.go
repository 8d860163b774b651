//go:build !linux && !darwin && !windows

package blasctl

import "github.com/blasctl/blasctl/internal/cdl"

// Only Linux, macOS and Windows are supported: elsewhere every call reports
// ErrUnsupported and changes nothing.

func loaderGeneration() (generation, bool, error) { return generation{}, false, ErrUnsupported }

func listObjects() ([]object, generation, bool, error) {
	return nil, generation{}, false, ErrUnsupported
}

func checksInSeq() bool { return false }

func startChecked(*cdl.Seq, generation) bool { return false }

func runChecked(*cdl.Seq) bool { return false }

// objectID is empty: there is no lock-free lookup of a loaded object here.
type objectID struct{}

func identify(uintptr) objectID { return objectID{} }

// startFound reports false: see objectID.
func startFound(*cdl.Seq, uintptr, objectID) bool { return false }

func found(*cdl.Seq) bool { return false }
