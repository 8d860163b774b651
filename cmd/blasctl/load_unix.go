//go:build !windows

package main

import (
	"fmt"
	"os"

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

// symbol is the address of sym in the library name, loaded already.
func symbol(name, sym string) (uintptr, error) {
	h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return 0, err
	}
	return purego.Dlsym(h, sym)
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
