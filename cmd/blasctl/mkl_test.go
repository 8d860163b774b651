package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
)

// TestChooseMKLLayer covers each way blasctl info can prepare MKL, with
// fake loaders: the real machine has only one of them (the host has
// libiomp5, the Debian 13 root has not; no machine here lacks libgomp).
func TestChooseMKLLayer(t *testing.T) {
	const mkl = "/opt/x/libmkl_rt.so"
	missing := errors.New("not found")
	loads := func(ok ...string) func(string) error {
		return func(name string) error {
			for _, o := range ok {
				if o == name {
					return nil
				}
			}
			return missing
		}
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "MKL_THREADING_LAYER" {
				return v
			}
			return ""
		}
	}
	for _, c := range []struct {
		name, path, env string
		iomp, gomp      []string
		layer, reason   string
	}{
		{"user's choice", mkl, "gnu", []string{"/opt/x/libiomp5.so"}, nil, "", "MKL_THREADING_LAYER=gnu is set"},
		{"user's choice, nothing loads", mkl, "INTEL", nil, nil, "", "MKL_THREADING_LAYER=INTEL is set"},
		{"libiomp5 next to MKL", mkl, "", []string{"/opt/x/libiomp5.so"}, []string{"libgomp.so.1"}, "", "/opt/x/libiomp5.so loads"},
		{"libiomp5 by name", mkl, "", []string{"libiomp5.so"}, nil, "", "libiomp5.so loads"},
		{"bare MKL name", "libmkl_rt.so", "", []string{"libiomp5.so"}, nil, "", "as MKL_THREADING_LAYER is not set and libiomp5.so loads"},
		{"no libiomp5", mkl, "", nil, []string{"libgomp.so.1"}, "GNU", "blasctl loaded libgomp.so.1 and set MKL_THREADING_LAYER=GNU"},
		{"neither", mkl, "", nil, nil, "SEQUENTIAL", "neither libiomp5.so nor libgomp.so.1"},
	} {
		var gompLoaded bool
		gomp := loads(c.gomp...)
		layer, reason := chooseMKLLayer(c.path, env(c.env), loads(c.iomp...), func(name string) error {
			err := gomp(name)
			gompLoaded = gompLoaded || err == nil
			return err
		})
		if layer != c.layer || !strings.Contains(reason, c.reason) {
			t.Errorf("%s: layer %q (%s), want %q (%s)", c.name, layer, reason, c.layer, c.reason)
		}
		if gompLoaded != (c.layer == "GNU") {
			t.Errorf("%s: libgomp loaded %v for layer %q", c.name, gompLoaded, c.layer)
		}
	}
}

// TestInfoPreparesMKL runs blasctl info on libmkl_rt alone, with the
// environment a user has (MKL_THREADING_LAYER unset, or set by the user), and
// checks that it reports the layer MKL chooses on this machine, says why on
// stderr, and agrees with threadpoolctl run on the same preparation.
func TestInfoPreparesMKL(t *testing.T) {
	mkl := "/usr/lib/x86_64-linux-gnu/libmkl_rt.so"
	gomp := "/usr/lib/x86_64-linux-gnu/libgomp.so.1"
	if _, err := os.Stat(mkl); err != nil {
		libtest.Missing(t, "%s is not installed (package libmkl-rt)", mkl)
	}
	// What MKL would choose here: its Intel layer needs libiomp5.
	want, pyLoad, pyEnv, why := "intel", []string{mkl}, "", "as MKL_THREADING_LAYER is not set and "
	if libtest.IOMP5(mkl) == "" {
		want, pyLoad, pyEnv, why = "gnu", []string{gomp, mkl}, "GNU", "libiomp5.so cannot be loaded"
	}
	for _, c := range []struct {
		name, env, want, pyEnv, why string
		pyLoad                      []string
	}{
		{"default", "", want, pyEnv, why, pyLoad},
		{"user-sequential", "SEQUENTIAL", "sequential", "SEQUENTIAL", "MKL_THREADING_LAYER=SEQUENTIAL is set", []string{mkl}},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := withoutMKLLayer(os.Environ())
			if c.env != "" {
				env = append(env, "MKL_THREADING_LAYER="+c.env)
			}
			out, errs := runWithEnv(t, env, "info", "-json", "-load", mkl)
			line := "blasctl info: MKL uses its " + strings.ToUpper(c.want) + " threading layer: "
			if !strings.Contains(errs, line) || !strings.Contains(errs, c.why) {
				t.Errorf("stderr lacks %q ... %q:\n%s", line, c.why, errs)
			}
			ours := decodeInfo(t, out)
			for _, l := range ours {
				if l["internal_api"] == "mkl" && l["threading_layer"] != c.want {
					t.Errorf("blasctl reports layer %v, want %s", l["threading_layer"], c.want)
				}
			}
			pyEnv := withoutMKLLayer(os.Environ())
			if c.pyEnv != "" {
				pyEnv = append(pyEnv, "MKL_THREADING_LAYER="+c.pyEnv)
			}
			matchThreadpoolctl(t, threadpoolctlInfo(t, pyEnv, c.pyLoad...), ours)
		})
	}
}

// decodeInfo decodes blasctl info -json output.
func decodeInfo(t *testing.T, out string) []map[string]any {
	t.Helper()
	var libs []map[string]any
	if err := json.Unmarshal([]byte(out), &libs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return libs
}

// withoutMKLLayer is env without MKL_THREADING_LAYER.
func withoutMKLLayer(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "MKL_THREADING_LAYER=") {
			out = append(out, kv)
		}
	}
	return out
}

// runWithEnv runs blasctl with args in a child process whose environment is
// exactly env; it fails t unless the command succeeds.
func runWithEnv(t *testing.T, env []string, args ...string) (stdout, stderr string) {
	t.Helper()
	encoded, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(env, "BLASCTL_MAIN_ARGS="+string(encoded))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("blasctl %v: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

// threadpoolctlInfo runs Debian's threadpoolctl on the given files, in the
// environment env.
func threadpoolctlInfo(t *testing.T, env []string, load ...string) []map[string]any {
	t.Helper()
	if _, err := os.Stat("/usr/lib/python3/dist-packages/threadpoolctl.py"); err != nil {
		libtest.Missing(t, "python3-threadpoolctl is not installed")
	}
	py := exec.Command("/usr/bin/python3", append([]string{filepath.Join("testdata", "threadpoolctl_info.py")}, load...)...)
	py.Env = env
	out, err := py.Output()
	if err != nil {
		t.Fatalf("threadpoolctl on %v: %v", load, err)
	}
	var theirs []map[string]any
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatal(err)
	}
	if len(theirs) == 0 {
		t.Fatal("threadpoolctl found nothing")
	}
	return theirs
}

// matchThreadpoolctl checks that blasctl reports every library threadpoolctl
// found, with the same value for every key threadpoolctl reports.
func matchThreadpoolctl(t *testing.T, theirs, ours []map[string]any) {
	t.Helper()
	byPath := map[string]map[string]any{}
	for _, l := range ours {
		byPath[l["filepath"].(string)] = l
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
}
