package cdl

import "path/filepath"

// RealPath resolves symbolic links, as threadpoolctl reports paths: through
// C's realpath where the trampoline exists, else filepath.EvalSymlinks; on
// Windows, as threadpoolctl does there, it leaves the loader's path as it
// is. A path that cannot be resolved is returned as it is.
func RealPath(path string) string {
	if rp, ok := fastRealPath(path); ok {
		return rp
	}
	if rp, err := filepath.EvalSymlinks(path); err == nil {
		return rp
	}
	return path
}
