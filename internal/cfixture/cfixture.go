package cfixture

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
)

// Build compiles the C sources into a shared library named name (for example
// "libopenblas_fixture.so") in a fresh temporary directory and returns its
// path. extra flags go to the compiler (-DNAME=..., -lpthread, ...). Without a C
// compiler the test fails in CI and is skipped elsewhere.
func Build(tb testing.TB, name string, sources []string, extra ...string) string {
	tb.Helper()
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	if !haveCompiler(cc) {
		libtest.Missing(tb, "no C compiler (%s) to build fixture %s", cc, name)
	}
	out := filepath.Join(outDir(tb), name)
	args := append([]string{"-shared", "-fPIC", "-O1", "-o", out}, sources...)
	args = append(args, extra...)
	if b, err := compile(tb, cc, args); err != nil {
		tb.Fatalf("%s %v: %v\n%s", cc, args, err, b)
	}
	return out
}
