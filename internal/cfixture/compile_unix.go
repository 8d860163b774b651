//go:build !windows

package cfixture

import (
	"os/exec"
	"testing"
)

func haveCompiler(cc string) bool {
	_, err := exec.LookPath(cc)
	return err == nil
}

func compile(_ testing.TB, cc string, args []string) ([]byte, error) {
	return exec.Command(cc, args...).CombinedOutput()
}

// outDir is a fresh directory for one fixture, removed when tb ends.
func outDir(tb testing.TB) string { return tb.TempDir() }
