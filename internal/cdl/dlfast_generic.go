//go:build (linux && !amd64) || darwin

package cdl

// dlopen, dlsym and dlclose through Call exist on linux/amd64 only:
// elsewhere these report that they are not available, and the calls go
// through purego.

func fastDlopenNoLoad(string) (uintptr, bool)   { return 0, false }
func fastDlsym(uintptr, string) (uintptr, bool) { return 0, false }
func fastDlclose(uintptr) bool                  { return false }
