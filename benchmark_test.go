package blasctl

// Benchmarks. The ones that need a real library read BLASCTL_BENCH_BUILD
// (a name from internal/libtest.Builds), load that build into the benchmark
// process and skip when it is unset; bench/run.sh runs the test binary once
// per build. The detection benchmarks need no library.
//
//	BLASCTL_BENCH_BUILD=openblas-pthread go test -run '^$' -bench . -benchmem

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/blasctl/blasctl/internal/loader"
	"github.com/blasctl/blasctl/internal/procmaps"
)

var benchLoad struct {
	once  sync.Once
	build libtest.Build
	ok    bool
}

// benchBuild loads the build named by BLASCTL_BENCH_BUILD once, with its
// environment, or skips the benchmark.
func benchBuild(b *testing.B) libtest.Build {
	b.Helper()
	benchLoad.once.Do(func() {
		name := os.Getenv("BLASCTL_BENCH_BUILD")
		for _, bl := range libtest.Builds {
			if bl.Name != name {
				continue
			}
			if bl.Check() != nil {
				return
			}
			for _, kv := range bl.Env {
				k, v, _ := cut(kv)
				os.Setenv(k, v)
			}
			bl.LoadAll(b)
			benchLoad.build, benchLoad.ok = bl, true
		}
	})
	if !benchLoad.ok {
		b.Skip("set BLASCTL_BENCH_BUILD to an installed build (bench/run.sh does)")
	}
	return benchLoad.build
}

func cut(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// forgetDetection drops the cached scan, as if no call had been made yet
// (the dl_iterate_phdr callback stays created).
func forgetDetection() {
	det.mu.Lock()
	det.libs = nil
	invalidateLocked()
	det.mu.Unlock()
}

func noop() {}

// BenchmarkWithThreads is one warm scope enter+exit on the loaded build,
// through the package-level function (generation check on every call) and
// through a snapshot Controller (no check).
func BenchmarkWithThreads(b *testing.B) {
	benchBuild(b)
	if _, err := Libraries(); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, c *Controller) {
		b.ReportAllocs()
		defer cpuPerOp(b)()
		for b.Loop() {
			if err := c.WithThreads(1, noop); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("package", func(b *testing.B) { run(b, all) })
	b.Run("snapshot", func(b *testing.B) {
		snap, err := Select().Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		run(b, snap)
	})
	// The BLAS library alone: an OpenMP build of OpenBLAS or MKL with
	// libgomp also reports libgomp, which the scopes above limit too.
	b.Run("blas", func(b *testing.B) { run(b, Select(UserAPI(UserAPIBLAS))) })
}

// cpuPerOp reports the calling thread's CPU time per op ("cpu-ns/op"), a
// figure that other processes competing for the CPUs inflate far less than
// the wall time. It locks the goroutine to its thread until the returned
// func runs.
func cpuPerOp(b *testing.B) func() {
	runtime.LockOSThread()
	start := threadCPU()
	return func() {
		if start >= 0 && b.N > 0 {
			b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
		}
		runtime.UnlockOSThread()
	}
}

// BenchmarkLimit is Limit(1) followed by its restore.
func BenchmarkLimit(b *testing.B) {
	benchBuild(b)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		restore, err := Limit(1)
		if err != nil {
			b.Fatal(err)
		}
		if err := restore(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLibraries is Libraries() warm (generation check plus the report
// of each library's count) and after the cached scan was dropped (a full
// scan, the cost of the first call apart from one-time setup).
func BenchmarkLibraries(b *testing.B) {
	benchBuild(b)
	b.Run("warm", func(b *testing.B) {
		b.ReportAllocs()
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := Libraries(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rescan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			forgetDetection()
			if _, err := Libraries(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGenerationCheck is the dl_iterate_phdr step every call makes.
func BenchmarkGenerationCheck(b *testing.B) {
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		if _, st := loaderGeneration(); st == loader.Unavailable {
			b.Fatal(ErrUnsupported)
		}
	}
}

// fixtureSource is the tiny library loaded many times over.
const fixtureSource = "int blasctl_fixture_answer(void) { return 42; }\n"

// loadFixtures compiles one tiny library and dlopens copies of it under
// distinct names until n of them are loaded in the process.
var fixtures struct {
	dir    string
	master string
	loaded int
}

func loadFixtures(b *testing.B, n int) {
	b.Helper()
	if fixtures.dir == "" {
		dir, err := os.MkdirTemp("", "blasctl-bench-fixtures")
		if err != nil {
			b.Fatal(err)
		}
		src := filepath.Join(dir, "fixture.c")
		if err := os.WriteFile(src, []byte(fixtureSource), 0o644); err != nil {
			b.Fatal(err)
		}
		master := filepath.Join(dir, "libfixture.so")
		cc := os.Getenv("CC")
		if cc == "" {
			cc = "cc"
		}
		if out, err := exec.Command(cc, "-shared", "-fPIC", "-O1", "-o", master, src).CombinedOutput(); err != nil {
			b.Skipf("no C compiler for the fixtures: %v %s", err, out)
		}
		fixtures.dir, fixtures.master = dir, master
	}
	data, err := os.ReadFile(fixtures.master)
	if err != nil {
		b.Fatal(err)
	}
	for ; fixtures.loaded < n; fixtures.loaded++ {
		p := filepath.Join(fixtures.dir, fmt.Sprintf("libfixture%03d.so", fixtures.loaded))
		if err := os.WriteFile(p, data, 0o755); err != nil {
			b.Fatal(err)
		}
		libtest.Open(b, p)
	}
}

// BenchmarkDetectionGrowth measures, with 10, 100 and 300 extra objects
// loaded: a full rescan (list + recognise), the generation check, the
// dl_iterate_phdr listing alone and the /proc/self/maps listing alone.
// The fixtures stay loaded, so the sizes run in increasing order.
func BenchmarkDetectionGrowth(b *testing.B) {
	benchBuild(b)
	defer os.RemoveAll(fixtures.dir)
	for _, n := range []int{0, 10, 100, 300} {
		loadFixtures(b, n)
		objs, _, st := listObjects()
		if st == loader.Unavailable {
			b.Fatal(ErrUnsupported)
		}
		name := fmt.Sprintf("objects=%d", len(objs))
		b.Run(name+"/rescan", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				forgetDetection()
				if _, err := loaded(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/generation", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				loaderGeneration()
			}
		})
		b.Run(name+"/list-phdr", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				listObjects()
			}
		})
		b.Run(name+"/list-maps", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := procmaps.Self(); errors.Is(err, fs.ErrNotExist) {
					b.Skip(err) // no /proc here
				} else if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
