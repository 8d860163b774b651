package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
)

// TestInfoWithoutIOMP5 runs blasctl info on libmkl_rt alone where libiomp5
// cannot be loaded, as on a machine installed without recommended packages.
// The test arranges that itself: a child process in a mount namespace of its
// own covers the file libiomp5.so resolves to with an empty one, so that
// neither blasctl nor MKL can load it there, and the machine is left as it
// was. blasctl must then load libgomp and choose MKL's GNU layer, and say so,
// in agreement with threadpoolctl run on that preparation.
func TestInfoWithoutIOMP5(t *testing.T) {
	const mkl = "/usr/lib/x86_64-linux-gnu/libmkl_rt.so"
	const gomp = "/usr/lib/x86_64-linux-gnu/libgomp.so.1"
	if hidden := os.Getenv("BLASCTL_TEST_HIDE_IOMP5"); hidden != "" {
		withoutIOMP5(t, hidden, mkl, gomp)
		return
	}
	if _, err := os.Stat(mkl); err != nil {
		libtest.Missing(t, "%s is not installed (package libmkl-rt)", mkl)
	}
	iomp := libtest.IOMP5(mkl)
	if iomp == "" {
		t.Skip("libiomp5.so is absent here: TestInfoPreparesMKL/default runs without it")
	}
	if os.Getuid() != 0 {
		if libtest.Required() {
			t.Fatal("a mount namespace needs root")
		}
		t.Skip("a mount namespace needs root")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInfoWithoutIOMP5$", "-test.count=1", "-test.v")
	cmd.Env = append(withoutMKLLayer(os.Environ()), "BLASCTL_TEST_HIDE_IOMP5="+iomp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestInfoWithoutIOMP5") {
		t.Fatalf("in a mount namespace without %s: %v\n%s", iomp, err, out)
	}
	if testing.Verbose() {
		t.Logf("child:\n%s", out)
	}
}

// withoutIOMP5 runs in the child, in its own mount namespace.
func withoutIOMP5(t *testing.T, hidden, mkl, gomp string) {
	empty := filepath.Join(t.TempDir(), "empty.so")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount(empty, hidden, "", syscall.MS_BIND, ""); err != nil {
		t.Fatalf("cover %s: %v", hidden, err)
	}
	env := withoutMKLLayer(os.Environ())
	out, errs := runWithEnv(t, env, "info", "-json", "-load", mkl)
	want := "blasctl info: MKL uses its GNU threading layer: libiomp5.so cannot be loaded"
	if !strings.Contains(errs, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errs)
	}
	ours := decodeInfo(t, out)
	layer := ""
	for _, l := range ours {
		if l["internal_api"] == "mkl" {
			layer, _ = l["threading_layer"].(string)
		}
	}
	if layer != "gnu" {
		t.Errorf("blasctl reports MKL layer %q, want gnu:\n%s", layer, out)
	}
	matchThreadpoolctl(t, threadpoolctlInfo(t, append(env, "MKL_THREADING_LAYER=GNU"), gomp, mkl), ours)
	t.Logf("without %s: %s", hidden, strings.TrimSpace(errs))
}
