package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/blasctl/blasctl"
	"github.com/ebitengine/purego"
)

// defaultBLAS are the names a system's default BLAS answers to.
var defaultBLAS = []string{"libopenblas.so.0", "libblas.so.3", "libmkl_rt.so"}

// load dlopens a library by name or path into this process.
func load(name string) error {
	if isMKL(name) {
		prepareMKL(name)
	}
	if _, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL); err != nil {
		return fmt.Errorf("cannot load %s: %v", name, err)
	}
	return nil
}

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

func isMKL(name string) bool {
	base := name
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			base = name[i+1:]
			break
		}
	}
	return len(base) >= 9 && base[:9] == "libmkl_rt"
}

// mklReason says which threading layer blasctl prepared MKL for, and why;
// "" until an MKL is loaded. info prints it with the layer MKL reports.
var mklReason string

// prepareMKL readies the process for MKL's first call as MKL itself would
// choose: its default Intel layer needs libiomp5, and its GNU layer libgomp
// already loaded, or MKL ends the process at that call. A layer the user
// chose is left alone.
func prepareMKL(mklPath string) {
	layer, reason := chooseMKLLayer(mklPath, os.Getenv, func(name string) error {
		_, err := purego.Dlopen(name, purego.RTLD_LAZY|purego.RTLD_LOCAL)
		return err
	}, func(name string) error {
		_, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		return err
	})
	if layer != "" {
		setenvC("MKL_THREADING_LAYER", layer)
	}
	mklReason = reason
}

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

// setenvC sets a variable in the C environment, where MKL reads it: without
// cgo, os.Setenv changes only Go's copy.
func setenvC(key, value string) {
	os.Setenv(key, value)
	libc, err := purego.Dlopen("libc.so.6", purego.RTLD_NOW)
	if err != nil {
		return
	}
	var setenv func(string, string, int32) int32
	purego.RegisterLibFunc(&setenv, libc, "setenv")
	setenv(key, value, 1)
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
