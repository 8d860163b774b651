package libtest

import (
	"cmp"
	"os"
)

// LockingDir is where scripts/build-openblas-locking.sh puts the
// single-threaded OpenBLAS built with USE_LOCKING=1 (build
// "openblas-locking"): BLASCTL_OPENBLAS_LOCKING_DIR, by default
// /var/cache/blasctl/openblas-locking.
var LockingDir = cmp.Or(os.Getenv("BLASCTL_OPENBLAS_LOCKING_DIR"), "/var/cache/blasctl/openblas-locking")
