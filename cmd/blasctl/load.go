package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/blasctl/blasctl"
)

// loadSystemBLAS loads every default BLAS name that resolves, and returns
// the ones it loaded.
func loadSystemBLAS() []string {
	var loaded []string
	for _, name := range defaultBLAS {
		if err := load(name); err == nil {
			loaded = append(loaded, name)
		}
	}
	return loaded
}

// mklReason says which threading layer blasctl prepared MKL for, and why;
// "" until an MKL is loaded. info prints it with the layer MKL reports.
var mklReason string

// chooseMKLLayer decides how to prepare MKL: a layer to set in
// MKL_THREADING_LAYER ("" to leave MKL's own choice), and why. The Intel
// layer when libiomp5 loads (MKL looks next to libmkl_rt first, then by bare
// name; tryIOMP loads it as MKL would at its first call); else the GNU layer
// when libgomp loads (loadGOMP loads it for the process, as a program built
// with GCC's OpenMP has it); else the sequential layer.
func chooseMKLLayer(mklPath string, getenv func(string) string, tryIOMP, loadGOMP func(string) error) (layer, reason string) {
	if v := getenv("MKL_THREADING_LAYER"); v != "" {
		return "", "MKL_THREADING_LAYER=" + v + " is set"
	}
	var candidates []string
	if dir := filepath.Dir(mklPath); strings.Contains(mklPath, "/") {
		candidates = append(candidates, filepath.Join(dir, "libiomp5.so"))
	}
	candidates = append(candidates, "libiomp5.so")
	var iompErr error
	for _, name := range candidates {
		if iompErr = tryIOMP(name); iompErr == nil {
			return "", "its default, as MKL_THREADING_LAYER is not set and " + name + " loads"
		}
	}
	if err := loadGOMP("libgomp.so.1"); err == nil {
		return "GNU", "libiomp5.so cannot be loaded (" + iompErr.Error() + "), so blasctl loaded libgomp.so.1 and set MKL_THREADING_LAYER=GNU"
	}
	return "SEQUENTIAL", "neither libiomp5.so nor libgomp.so.1 can be loaded, so blasctl set MKL_THREADING_LAYER=SEQUENTIAL"
}

// printMKLLayer writes one line on the layer each loaded MKL uses and why
// (nothing when no MKL was loaded through load).
func printMKLLayer(w io.Writer, libs []blasctl.Library) {
	if mklReason == "" {
		return
	}
	for _, l := range libs {
		if l.InternalAPI == "mkl" {
			fmt.Fprintf(w, "blasctl info: MKL uses its %s threading layer: %s\n", strings.ToUpper(l.ThreadingLayer), mklReason)
		}
	}
}
