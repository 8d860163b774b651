//go:build !linux && !darwin

package blasctl

// Nothing can be loaded or called here: detection reports ErrUnsupported
// before any of these run.

func dlopenNoLoad(string) uintptr             { return 0 }
func dlclose(uintptr)                         {}
func dlsym(uintptr, string) uintptr           { return 0 }
func call0(uintptr) uintptr                   { return 0 }
func call2(uintptr, uintptr, uintptr) uintptr { return 0 }
func call1(uintptr, uintptr) uintptr          { return 0 }
func callBuf(uintptr, int) string             { return "" }
func goString(uintptr) string                 { return "" }
