//go:build windows

package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
)

// defaultBLAS are the names a Windows BLAS ships under, found on the DLL
// search path (the program's directory, system32, PATH).
var defaultBLAS = []string{"libopenblas.dll", "openblas.dll", "mkl_rt.2.dll", "mkl_rt.dll"}

// load loads a DLL by name or path into this process (LoadLibrary: the user
// asked for it). A path's own directory is searched for the DLLs it imports,
// as for a program installed next to them.
func load(name string) error {
	var flags uintptr
	if strings.ContainsAny(name, `/\`) {
		flags = windows.LOAD_WITH_ALTERED_SEARCH_PATH
		if abs, err := filepath.Abs(name); err == nil {
			name = abs // the flag needs an absolute path
		}
	}
	if _, err := windows.LoadLibraryEx(name, 0, flags); err != nil {
		return fmt.Errorf("cannot load %s: %v", name, err)
	}
	return nil
}

// symbol is the address of sym in the DLL name, loaded already.
func symbol(name, sym string) (uintptr, error) {
	var h windows.Handle
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return 0, err
	}
	if err := windows.GetModuleHandleEx(windows.GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, p, &h); err != nil {
		return 0, err
	}
	return windows.GetProcAddress(h, sym)
}
