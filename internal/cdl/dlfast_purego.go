//go:build (linux && !amd64) || darwin

package cdl

// Without the Call trampoline, dl* calls go through purego.

func fastDlopenNoLoad(string) (uintptr, bool)   { return 0, false }
func fastDlsym(uintptr, string) (uintptr, bool) { return 0, false }
func fastDlclose(uintptr) bool                  { return false }
