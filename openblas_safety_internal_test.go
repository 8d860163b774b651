//go:build linux && amd64

package blasctl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
)

// TestOpenBLASThreadUnsafe: the decision from what the build says, on the
// real files: a threaded build or one without openblas_get_parallel is
// safe; a single-threaded one is safe when its configuration names
// USE_LOCKING or it imports pthread_mutex_lock, and unsafe otherwise,
// also when its file cannot be read.
func TestOpenBLASThreadUnsafe(t *testing.T) {
	serial, pthread := libtest.LibDir+"openblas-serial/libopenblas.so.0", libtest.LibDir+"openblas-pthread/libopenblas.so.0"
	for _, p := range []string{serial, pthread} {
		if _, err := os.Stat(p); err != nil {
			libtest.Missing(t, "%v", err)
		}
	}
	missing := filepath.Join(t.TempDir(), "libopenblas.so.0")
	for _, c := range []struct {
		name     string
		parallel int
		ok       bool
		config   string
		path     string
		want     bool
	}{
		{"pthreads build", 1, true, "OpenBLAS 0.3.21 DYNAMIC_ARCH", serial, false},
		{"OpenMP build", 2, true, "OpenBLAS 0.3.21 USE_OPENMP", serial, false},
		{"no openblas_get_parallel", 0, false, "", serial, false},
		{"serial, no lock import", 0, true, "OpenBLAS 0.3.21 DYNAMIC_ARCH SINGLE_THREADED", serial, true},
		{"serial, lock imported", 0, true, "OpenBLAS 0.3.21 SINGLE_THREADED", pthread, false},
		{"serial, USE_LOCKING in the configuration", 0, true, "OpenBLAS 0.3.29 USE_LOCKING HASWELL SINGLE_THREADED", missing, false},
		{"serial, file unreadable", 0, true, "OpenBLAS 0.3.21 SINGLE_THREADED", missing, true},
		{"a word that only contains it", 0, true, "OpenBLAS 0.3.29 NO_USE_LOCKING_X", serial, true},
	} {
		if got := openblasThreadUnsafe(c.parallel, c.ok, c.config, c.path); got != c.want {
			t.Errorf("%s: unsafe %v, want %v", c.name, got, c.want)
		}
	}
}
