package blasctl

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestIsAOCL(t *testing.T) {
	for _, tc := range []struct {
		name, version string
		want          bool
	}{
		{"libblis.so.4", "0.9.0", false},
		{"libblis-mt.so", "", true},
		{"libaocl-blas.so", "", true},
		{"libblis.so", "AOCL-BLIS 4.2.0 Build 20240105", true},
		{"libblis.so", "1.1", false},
	} {
		if got := isAOCL(tc.name, tc.version); got != tc.want {
			t.Errorf("isAOCL(%q, %q) = %v", tc.name, tc.version, got)
		}
	}
}

func TestLayerFromName(t *testing.T) {
	for name, want := range map[string]string{
		"libnvpl_blas_lp64_gomp.so.0": "openmp",
		"libnvpl_blas_ilp64_seq.so.0": "disabled",
		"libnvpl_blas_lp64.so.0":      "",
	} {
		if got := layerFromName(name); got != want {
			t.Errorf("layerFromName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestLBTMajor(t *testing.T) {
	for name, want := range map[string]string{
		"libblastrampoline.so.5":     "5",
		"libblastrampoline.so.5.4.0": "5",
		"libblastrampoline.5.dylib":  "5",
		"libblastrampoline.so.6":     "6",
		"libblastrampoline.so":       "",
	} {
		got := ""
		if m := lbtMajorRE.FindStringSubmatch(name); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%s: major %q, want %q", name, got, want)
		}
	}
	if f := lbtForwarded(1, "6"); f.Known || f.Libraries != nil {
		t.Errorf("unknown layout read: %+v", f)
	}
}

func TestMatchNewPrefixes(t *testing.T) {
	for name, want := range map[string]string{
		"libblis.so.4":                "blis",
		"libblis-mt.so":               "blis",
		"libflexiblas.so.3":           "flexiblas",
		"libflexiblas64.so.3":         "flexiblas",
		"libnvpl_blas_lp64_gomp.so.0": "nvpl",
		"libarmpl_lp64_mp.so":         "armpl",
		"libblastrampoline.so.5":      "blastrampoline",
		"libBLAS.dylib":               "accelerate",
		"Accelerate":                  "accelerate",
		"vecLib":                      "accelerate",
		"libiomp5.so":                 "openmp",
		// Linux's reference-BLAS name is not Accelerate's libBLAS.dylib.
		"libblas.so.3": "",
	} {
		be, _ := matchName(name)
		got := ""
		if be != nil {
			got = be.internalAPI
		}
		if got != want {
			t.Errorf("%s matched %q, want %q", name, got, want)
		}
	}
}

func TestMixedOpenMPPure(t *testing.T) {
	gomp := Library{InternalAPI: "openmp", Filepath: "/l/libgomp.so.1", ThreadingLayer: "gnu"}
	omp := Library{InternalAPI: "openmp", Filepath: "/l/libomp.so.5", ThreadingLayer: "llvm"}
	ob := Library{InternalAPI: "openblas", Filepath: "/l/libopenblas.so.0"}
	if m := MixedOpenMP([]Library{gomp, ob}); m != nil {
		t.Errorf("one runtime reported as mixed: %+v", m)
	}
	if m := MixedOpenMP([]Library{gomp, gomp}); m != nil {
		t.Errorf("one file twice reported as mixed: %+v", m)
	}
	if m := MixedOpenMP([]Library{gomp, ob, omp}); len(m) != 2 || m[0] != gomp || m[1] != omp {
		t.Errorf("mixed runtimes: %+v", m)
	}
}

func TestExtraJSONKeys(t *testing.T) {
	keys := func(l Library) string {
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if s := keys(Library{}); strings.Contains(s, "backend") || strings.Contains(s, "forwarded") {
		t.Errorf("plain library has extra keys: %s", s)
	}
	if s := keys(Library{Forwarded: &ForwardedLibraries{}}); !strings.Contains(s, `"forwarded_libraries":null`) {
		t.Errorf("unknown forwarded libraries: %s", s)
	}
	fi := &FlexiBLASInfo{CurrentBackend: "OPENBLAS", AvailableBackends: []string{"NETLIB", "OPENBLAS"}, LoadedBackends: []string{"OPENBLAS"}}
	if s := keys(Library{FlexiBLAS: fi}); !strings.Contains(s, `"current_backend":"OPENBLAS","available_backends":["NETLIB","OPENBLAS"],"loaded_backends":["OPENBLAS"]`) {
		t.Errorf("FlexiBLAS keys: %s", s)
	}
}

func TestRegisterValidates(t *testing.T) {
	open := func(func(string) uintptr) *CustomControl { return nil }
	for _, c := range []Custom{
		{Prefixes: []string{"libx"}, Open: open},
		{InternalAPI: "x", Open: open},
		{InternalAPI: "x", Prefixes: []string{"libx"}},
		{InternalAPI: "x", Prefixes: []string{""}, Open: open},
		{InternalAPI: "mkl", Prefixes: []string{"libx"}, Open: open},
	} {
		un, err := Register(c)
		if err == nil {
			t.Errorf("Register(%+v) accepted", c)
		}
		if un == nil {
			t.Errorf("Register(%+v) returned a nil unregister", c)
		} else {
			un()
		}
	}
	un, err := Register(Custom{InternalAPI: "x", Prefixes: []string{"LibX"}, Open: open})
	if err != nil {
		t.Fatal(err)
	}
	if be, p := matchName("libx.so"); be == nil || be.internalAPI != "x" || p != "libx" {
		t.Errorf("registered prefix not matched: %v %q", be, p)
	}
	un()
	if be, _ := matchName("libx.so"); be != nil {
		t.Error("unregistered backend still matched")
	}
}
