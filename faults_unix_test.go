//go:build !windows

package blasctl_test

import (
	"testing"

	"github.com/blasctl/blasctl/internal/cfixture"
	"github.com/blasctl/blasctl/internal/libtest"
)

// buildDecoys builds and loads the decoy and the two fixtures linked
// against it (faultDecoy); it returns the decoy's handle.
func buildDecoys(t *testing.T) (decoy uintptr, half *fixture, gompHalf string) {
	path := cfixture.Build(t, "libdecoy.so", []string{"testdata/faults/decoy.c"})
	half = openFault(t, buildFault(t, "decoyed", "-DNO_SETTER", "-Wl,--no-as-needed", path))
	gompHalf = cfixture.Build(t, "libgomp_fault_half.so", []string{"testdata/faults/gomp_half.c"}, "-Wl,--no-as-needed", path)
	libtest.Open(t, gompHalf) // RTLD_GLOBAL: the decoy's symbols are global too
	return libtest.Open(t, path), half, gompHalf
}
