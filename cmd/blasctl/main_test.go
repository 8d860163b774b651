package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
)

// TestMain lets a test re-run this binary as the blasctl command, in a
// process of its own: BLASCTL_MAIN_ARGS holds the arguments as JSON.
func TestMain(m *testing.M) {
	if encoded, ok := os.LookupEnv("BLASCTL_MAIN_ARGS"); ok {
		var args []string
		if err := json.Unmarshal([]byte(encoded), &args); err != nil {
			panic(err)
		}
		os.Exit(run(args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// runCommand runs blasctl with args in a child process.
func runCommand(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	encoded, _ := json.Marshal(args)
	cmd.Env = append(append(os.Environ(), "BLASCTL_MAIN_ARGS="+string(encoded)), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// infoPthreads runs blasctl info with flags, loading the pthreads
// OpenBLAS, and returns what it printed; it fails t unless info exits 0.
func infoPthreads(t *testing.T, flags ...string) string {
	t.Helper()
	b := libtest.Builds[0] // OpenBLAS pthreads
	if err := b.Check(); err != nil {
		libtest.Missing(t, "%v", err)
	}
	out, errs, code := runCommand(t, nil, append(append([]string{"info"}, flags...), "-load", b.Load[0])...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	return out
}

func TestInfoTable(t *testing.T) {
	out := infoPthreads(t)
	for _, want := range []string{"INTERNAL API", "openblas", "pthreads", "process"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestInfoErrors(t *testing.T) {
	if _, errs, code := runCommand(t, nil, "info", "-load", "/nonexistent/libopenblas.so"); code != 1 || !strings.Contains(errs, "cannot load") {
		t.Errorf("missing library: exit %d, %q", code, errs)
	}
	if _, _, code := runCommand(t, nil, "info", "stray"); code != 2 {
		t.Errorf("stray argument: exit %d", code)
	}
	if _, _, code := runCommand(t, nil, "nosuchcommand"); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

// TestInfoMatchesThreadpoolctl compares blasctl info -json with Debian's
// python3-threadpoolctl for the same library files, key by key (the keys
// threadpoolctl reports).
func TestInfoMatchesThreadpoolctl(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat("/usr/lib/python3/dist-packages/threadpoolctl.py"); err != nil {
		libtest.Missing(t, "python3-threadpoolctl is not installed")
	}
	for _, b := range libtest.Builds {
		if b.InternalAPI == "openmp" {
			continue // covered as the OpenMP entries of the builds below
		}
		t.Run(b.Name, func(t *testing.T) {
			if err := b.Check(); err != nil {
				libtest.Missing(t, "%v", err)
			}
			py := exec.Command(python, append([]string{"testdata/threadpoolctl_info.py"}, b.Load...)...)
			py.Env = append(os.Environ(), b.Env...)
			pyOut, err := py.Output()
			if err != nil {
				t.Fatalf("threadpoolctl: %v", err)
			}
			var theirs []map[string]any
			if err := json.Unmarshal(pyOut, &theirs); err != nil {
				t.Fatal(err)
			}
			args := []string{"info", "-json"}
			for _, p := range b.Load {
				args = append(args, "-load", p)
			}
			out, errs, code := runCommand(t, b.Env, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var ours []map[string]any
			if err := json.Unmarshal([]byte(out), &ours); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			byPath := map[string]map[string]any{}
			for _, l := range ours {
				byPath[l["filepath"].(string)] = l
			}
			if len(theirs) == 0 {
				t.Fatal("threadpoolctl found nothing")
			}
			for _, want := range theirs {
				got := byPath[want["filepath"].(string)]
				if got == nil {
					t.Errorf("blasctl lacks %v", want["filepath"])
					continue
				}
				for k, v := range want {
					if g, ok := got[k]; !ok || g != v {
						t.Errorf("%s %s: blasctl %v, threadpoolctl %v", want["filepath"], k, g, v)
					}
				}
			}
		})
	}
}

func TestInfoWarnsOfMixedOpenMP(t *testing.T) {
	gomp, omp := "/usr/lib/x86_64-linux-gnu/libgomp.so.1", "/usr/lib/x86_64-linux-gnu/libomp.so.5"
	for _, p := range []string{gomp, omp} {
		if _, err := os.Stat(p); err != nil {
			libtest.Missing(t, "%s is not installed", p)
		}
	}
	_, errs, code := runCommand(t, nil, "info", "-load", gomp, "-load", omp)
	if code != 0 || !strings.Contains(errs, "several OpenMP runtimes") || !strings.Contains(errs, "libomp") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	_, errs, _ = runCommand(t, nil, "info", "-load", gomp)
	if strings.Contains(errs, "several OpenMP runtimes") {
		t.Errorf("warned with one runtime: %q", errs)
	}
}
