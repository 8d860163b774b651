//go:build !windows

package blasctl

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/blasctl/blasctl/internal/procmaps"
)

// mappedFiles is the file-backed part of /proc/self/maps: path -> ranges.
func mappedFiles(t *testing.T) map[string][][2]uintptr {
	t.Helper()
	objs, err := procmaps.Self()
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string][][2]uintptr, len(objs))
	for _, o := range objs {
		m[o.Path] = o.Segments
	}
	return m
}

// waitedChildren reports the largest resident size of any child process this
// process ever waited for: 0 while it never had one.
func waitedChildren(t *testing.T) int64 {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Maxrss
}

// liveChildren lists this process's children that have not been waited for.
func liveChildren(t *testing.T) string {
	t.Helper()
	paths, _ := filepath.Glob("/proc/self/task/*/children")
	var all []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, strings.Fields(string(b))...)
	}
	return strings.Join(all, " ")
}

// childControl is the control of the check for children: one real child
// process is seen.
func childControl(t *testing.T) {
	t.Helper()
	if err := exec.Command("true").Run(); err != nil {
		t.Fatal(err)
	}
	if waitedChildren(t) == 0 {
		t.Error("control: a child process that ran is not seen: the check proves nothing")
	}
}
