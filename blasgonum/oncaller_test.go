package blasgonum

import (
	"testing"

	"github.com/blasctl/blasctl"
)

// genericRules turns the per-library cut-offs off until the test ends:
// the calls then follow the rules for every library.
func genericRules(t *testing.T) {
	pl := perLibrary
	perLibrary = false
	t.Cleanup(func() { perLibrary = pl })
}

// TestKindOf checks which sets of libraries count as OpenBLAS alone.
func TestKindOf(t *testing.T) {
	ob := func(v string) blasctl.Library { return blasctl.Library{InternalAPI: "openblas", Version: v} }
	gomp := blasctl.Library{InternalAPI: "openmp"}
	for _, c := range []struct {
		name string
		libs []blasctl.Library
		err  error
		want int32
	}{
		{"OpenBLAS 0.3.21", []blasctl.Library{ob("0.3.21")}, nil, kindOpenBLAS},
		{"OpenBLAS 0.3.29 and libgomp", []blasctl.Library{gomp, ob("0.3.29")}, nil, kindOpenBLAS},
		{"OpenBLAS 0.4.0", []blasctl.Library{ob("0.4.0")}, nil, kindOpenBLAS},
		{"OpenBLAS 0.3.16: no syrk cut-off", []blasctl.Library{ob("0.3.16")}, nil, kindOther},
		{"OpenBLAS without a version", []blasctl.Library{ob("")}, nil, kindOther},
		{"OpenBLAS and MKL", []blasctl.Library{ob("0.3.21"), {InternalAPI: "mkl"}}, nil, kindOther},
		{"BLIS", []blasctl.Library{{InternalAPI: "blis"}}, nil, kindOther},
		{"an OpenMP runtime alone", []blasctl.Library{gomp}, nil, kindOther},
		{"nothing", nil, nil, kindOther},
		{"an error", []blasctl.Library{ob("0.3.21")}, blasctl.ErrUnsupported, kindOther},
	} {
		if got := kindOf(c.libs, c.err); got != c.want {
			t.Errorf("%s: kind %d, want %d", c.name, got, c.want)
		}
	}
}
