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
		prepareMKL()
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

// prepareMKL makes MKL's first call safe: its default Intel threading layer
// needs libiomp5 and its GNU layer needs libgomp already loaded, or MKL
// ends the process. Unless the user chose a layer, use GNU with libgomp, or
// the sequential layer when libgomp is missing.
func prepareMKL() {
	if os.Getenv("MKL_THREADING_LAYER") != "" {
		return
	}
	layer := "SEQUENTIAL"
	if _, err := purego.Dlopen("libgomp.so.1", purego.RTLD_NOW|purego.RTLD_GLOBAL); err == nil {
		layer = "GNU"
	}
	setenvC("MKL_THREADING_LAYER", layer)
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
