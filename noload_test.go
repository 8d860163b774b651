package blasctl

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/internal/loader"
)

// TestNeverLoadsCode checks, in a child process per real build, that
// Libraries, WithThreads, Limit and Select leave the set of mapped objects
// exactly as they found it (in /proc/self/maps and in the loader's own list,
// whose load counter must not move either), and that no child process is
// ever started. Symbols are resolved only through each library's own handle:
// faults_test.go's DecoySymbols checks that a decoy's exports are not taken.
func TestNeverLoadsCode(t *testing.T) {
	if scenario, ok := libtest.Scenario(); ok {
		b, ok := libtest.Current()
		if !ok {
			t.Fatal("a child for no row of libtest.Builds")
		}
		if scenario == coldScenario {
			noLoadColdChild(t, b)
			return
		}
		noLoadChild(t, b)
		return
	}
	if !libtest.BuildsHere() {
		t.Skip("the real-library builds are Debian's amd64 and arm64 packages")
	}
	var children []libtest.Child
	for _, b := range libtest.Named(t, "openblas-pthread", "openblas-openmp", "mkl", "mkl-gnu", "libgomp", "libomp") {
		children = append(children, libtest.Child{Test: "TestNeverLoadsCode", Build: b, Scenario: warmScenario})
		if strings.HasPrefix(b.Name, "mkl") {
			children = append(children, libtest.Child{Test: "TestNeverLoadsCode", Build: b, Scenario: coldScenario})
		}
	}
	for _, c := range children {
		name := c.Build.Name
		if c.Scenario == coldScenario {
			name += "-cold"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c.Run(t)
		})
	}
}

// The scenarios of TestNeverLoadsCode: the program called its library
// before blasctl looked at it (noLoadChild), or never (noLoadColdChild).
const (
	warmScenario = "warm"
	coldScenario = "cold"
)

// loaderList is the loader's list of objects, by name and segments.
func loaderList(t *testing.T) ([]object, generation) {
	t.Helper()
	objs, gen, st := listObjects()
	if st != loader.Counted {
		t.Fatalf("listObjects: %v", st)
	}
	return objs, gen
}

func noLoadChild(t *testing.T, b libtest.Build) {
	if waitedChildren(t) != 0 || liveChildren(t) != "" {
		t.Fatal("the child process had children before the test: the check proves nothing")
	}
	h := b.LoadAll(t)
	// The program uses its library before blasctl looks at it: MKL, for
	// one, maps its threading layer and kernels at its first call.
	libtest.Get(libtest.Func(t, h, b.Probe))
	mapsBefore := mappedFiles(t)
	listBefore, genBefore := loaderList(t)

	calls := 0
	if _, err := Libraries(); err != nil {
		t.Fatal(err)
	}
	calls++
	for _, n := range []int{1, 2, 1000} {
		if err := WithThreads(n, func() {
			if err := WithThreads(1, func() {}); err != nil {
				t.Error(err)
			}
		}); err != nil {
			t.Error(err)
		}
		calls += 2
	}
	done := make(chan struct{})
	go func() { // Limit locks its goroutine's thread until restore
		defer close(done)
		restore, err := Limit(1)
		if err != nil {
			t.Error(err)
			return
		}
		if err := restore(); err != nil {
			t.Error(err)
		}
	}()
	<-done
	calls++
	if _, err := Select(UserAPI(UserAPIBLAS), Prefix("libgomp")).Libraries(); err != nil {
		t.Fatal(err)
	}
	calls++

	mapsAfter := mappedFiles(t)
	listAfter, genAfter := loaderList(t)
	if !reflect.DeepEqual(mapsBefore, mapsAfter) {
		for p := range mapsAfter {
			if _, ok := mapsBefore[p]; !ok {
				t.Errorf("mapped by blasctl's calls: %s", p)
			}
		}
		t.Errorf("/proc/self/maps changed its file mappings")
	}
	if genAfter != genBefore || !reflect.DeepEqual(listBefore, listAfter) {
		t.Errorf("the loader's list changed: generation %v -> %v, %d -> %d objects", genBefore, genAfter, len(listBefore), len(listAfter))
	}
	if rss, live := waitedChildren(t), liveChildren(t); rss != 0 || live != "" {
		t.Errorf("a child process was started (largest waited child %d KiB, live: %q)", rss, live)
	}
	childControl(t)
	t.Logf("never-loads figures: %s: %d calls, %d mapped files and %d loader objects unchanged, generation %v",
		b.Name, calls, len(mapsAfter), len(listAfter), genAfter)
}

// TestNoProcessCode checks the package's own source and its plumbing in
// internal/: it imports nothing that starts processes and names no such C
// function.
func TestNoProcessCode(t *testing.T) {
	fset := token.NewFileSet()
	var files []string
	for _, dir := range []string{".", "internal/cdl", "internal/dyld", "internal/loader", "internal/phdr", "internal/procmaps", "internal/winldr"} {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(names) == 0 {
			t.Fatalf("no source in %s: %v", dir, err)
		}
		files = append(files, names...)
	}
	banned := []string{"os/exec", "os/signal", "plugin"}
	cFuncs := []string{"fork", "vfork", "clone", "execve", "execv", "execvp", "system", "popen", "posix_spawn", "dlmopen"}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, b := range banned {
				if p == b {
					t.Errorf("%s imports %s", name, p)
				}
			}
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range cFuncs {
			if strings.Contains(string(src), strconv.Quote(fn)) {
				t.Errorf("%s names the C function %s", name, fn)
			}
		}
		for _, id := range []string{"ForkExec", "StartProcess", "unix.Exec", "syscall.Exec"} {
			if strings.Contains(string(src), id) {
				t.Errorf("%s uses %s", name, id)
			}
		}
		// Every dlopen asks for RTLD_NOLOAD: a handle to what is loaded; on
		// Windows, GetModuleHandleEx and never LoadLibrary.
		for i, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, "Dlopen(") && !strings.Contains(line, "RTLDNoLoad") {
				t.Errorf("%s:%d: dlopen without RTLD_NOLOAD: %s", name, i+1, strings.TrimSpace(line))
			}
			if strings.Contains(line, "LoadLibrary(") || strings.Contains(line, "LoadLibraryEx(") {
				t.Errorf("%s:%d: LoadLibrary: %s", name, i+1, strings.TrimSpace(line))
			}
		}
	}
	if checked == 0 {
		t.Fatal("no source checked")
	}
	// Nor does anything the package links.
	if _, err := exec.LookPath("go"); err == nil {
		out, err := exec.Command("go", "list", "-deps", ".").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range banned {
				if dep == b {
					t.Errorf("the package links %s", dep)
				}
			}
		}
	}
}

// noLoadColdChild documents the one exception: MKL loads its core, its
// interface and its threading layer at its first call. In a program that
// loaded libmkl_rt but never called it, blasctl's detection makes that first
// call, so MKL maps those objects of its own: exactly the parts of the layer
// it chose (for its Intel layer, the OpenMP runtime libiomp5.so names), and
// Libraries reports every library among them that it knows.
func noLoadColdChild(t *testing.T, b libtest.Build) {
	b.LoadAll(t)
	mklPath := b.Load[len(b.Load)-1]
	before := mappedFiles(t)
	libs, err := Libraries()
	if err != nil {
		t.Fatal(err)
	}
	must, may := libtest.MKLParts(mklPath, b.Layer)
	part := func(list []string, p string) bool {
		return slices.Contains(list, p) || slices.Contains(list, filepath.Base(p))
	}
	var added []string
	mapped := map[string]bool{}
	for p := range mappedFiles(t) {
		if _, ok := before[p]; ok {
			continue
		}
		added = append(added, p)
		mapped[p], mapped[filepath.Base(p)] = true, true
		if !part(must, p) && !part(may, p) {
			t.Errorf("MKL's first call mapped %s, not one of the parts of its %s layer (%v, maybe %v)", p, b.Layer, must, may)
		}
	}
	for _, p := range must {
		if !mapped[p] {
			t.Errorf("MKL's first call did not map %s, a part of its %s layer: it chose another layer (mapped %v)", p, b.Layer, added)
		}
	}
	reported := map[string]bool{}
	for _, l := range libs {
		reported[l.Filepath] = true
		if l.InternalAPI == "mkl" && l.ThreadingLayer != b.Layer {
			t.Errorf("MKL reports layer %q, want %q", l.ThreadingLayer, b.Layer)
		}
	}
	for _, p := range added {
		if strings.HasPrefix(filepath.Base(p), "libomp") || strings.HasPrefix(filepath.Base(p), "libiomp") {
			if !reported[p] {
				t.Errorf("MKL's first call mapped the OpenMP runtime %s, which the same Libraries call does not report: %+v", p, libs)
			}
		}
	}
	t.Logf("MKL's first call (made by detection) mapped its own %v", added)
}
