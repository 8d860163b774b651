//go:build !linux && !darwin

package blasctl

// objectImports reports that an object's imports are not known: on Windows
// OpenBLAS's lock is its own spinlock, which no import reveals, and the
// unsupported platforms detect no library.
func objectImports(path string) (names []string, known bool) { return nil, false }
