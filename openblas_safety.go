package blasctl

import (
	"slices"
	"strings"
)

// Whether an OpenBLAS build is safe to call from two OS threads at once.
//
// A threaded build (openblas_get_parallel 1 or 2) always guards its buffer
// table. A single-threaded build (USE_THREAD=0, openblas_get_parallel 0)
// guards it only when built with USE_LOCKING=1, which turns its buffer
// lock on; without it, concurrent callers share buffers and get wrong
// products (Debian's libopenblas0-serial). The build says so itself in two
// ways: from 0.3.28 on, openblas_get_config() names "USE_LOCKING"; in every
// version, the lock is pthread_mutex_lock on Linux and macOS, which the
// library then imports, and a build without USE_LOCKING imports no pthread
// lock at all. A single-threaded build that shows neither sign, or whose
// imports cannot be read (Windows, where the lock is OpenBLAS's own
// spinlock), counts as unsafe: serializing a safe build costs speed only.

// openblasLockImport is the import USE_LOCKING adds to a single-threaded
// build on Linux and macOS.
const openblasLockImport = "pthread_mutex_lock"

// openblasThreadUnsafe reports whether the OpenBLAS at path, whose
// openblas_get_parallel() read parallel (ok false when it has none) and
// whose openblas_get_config() read config, must not be called from two
// threads at once.
func openblasThreadUnsafe(parallel int, ok bool, config, path string) bool {
	if !ok || parallel != 0 {
		return false
	}
	if slices.Contains(strings.Fields(config), "USE_LOCKING") {
		return false
	}
	imports, known := objectImports(path)
	return !known || !slices.Contains(imports, openblasLockImport)
}
