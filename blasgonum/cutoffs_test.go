package blasgonum

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/blasctl/blasctl/internal/libtest"
)

// cutoffCase is one BLAS call at one shape: whether the cut-off predicates
// of oncaller.go and threshold3.go say that OpenBLAS runs it on one thread,
// the call (on its inputs, into a result it allocates once), and the bytes
// of its last result.
type cutoffCase struct {
	name string
	one  bool
	size float64 // the work the cut-off weighs
	call func()
	out  func() []byte
}

// cutoffRoutines are the Fortran symbols the cases call.
var cutoffRoutines = []string{"dgemm_", "zgemm_", "dsyrk_", "zherk_", "dtrsm_", "dtrmm_", "ztrsm_", "ztrmm_", "dgemv_", "zgemv_"}

// cutoffBuilds are the threaded OpenBLAS builds of this machine's table
// (Debian 13's in its root) whose integers are 32-bit: pthreads and
// OpenMP. Each child dlopens its build; LD_LIBRARY_PATH makes a cgo test
// binary's linked libopenblas.so.0 that same file, so that one OpenBLAS
// alone is in the process.
func cutoffBuilds() []libtest.Build {
	var out []libtest.Build
	for _, b := range libtest.Builds {
		if b.InternalAPI != "openblas" || b.Cap != 0 || strings.Contains(b.Name, "64") {
			continue
		}
		b.Env = append(b.Env, "LD_LIBRARY_PATH="+filepath.Dir(b.Load[0]))
		out = append(out, b)
	}
	return out
}

// TestOpenBLASCutoffBits checks the cut-offs the wrapper skips scopes and the
// gate by (oneThreadGemm, oneThreadSyrk, oneThreadGemv, oneThreadTri)
// against each threaded OpenBLAS build, through its Fortran symbols
// (cgo-free, so that the debian13 leg runs it on Debian 13's OpenBLAS):
// every shape the predicates call one-thread must give the same bits at 1,
// 2 and 4 threads, and each routine's largest such shape must keep one
// thread busy at a count of 2 (the bits cannot tell a threaded gemm, whose
// threads each sum whole elements). The shapes above the cut-offs whose
// bits differ are logged, and a build where none differs, or where no call
// above them keeps two threads busy, fails: the test would not see a
// threaded call.
func TestOpenBLASCutoffBits(t *testing.T) {
	builds := cutoffBuilds()
	if len(builds) == 0 && runtime.GOOS == "linux" {
		t.Fatal("the build table has no threaded OpenBLAS")
	}
	libtest.PerBuild(t, builds, func(t *testing.T, b libtest.Build) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		h := b.LoadAll(t)
		fns := map[string]uintptr{}
		for _, name := range cutoffRoutines {
			fns[name] = libtest.Func(t, h, name)
		}
		// The build's own setter of the count its calls from this thread
		// run with: openblas_set_num_threads, or the thread's OpenMP count
		// in an OpenMP build (openblas_set_num_threads sets that too up to
		// 0.3.21, not from 0.3.22 on, whose calls still read the OpenMP one).
		set, probe := libtest.Func(t, h, b.Setter), libtest.Func(t, h, b.Probe)
		defer libtest.Set(set, libtest.Get(probe))
		counts := []int{1, 2, 4}
		cases := cutoffCases(fns)
		one, above := 0, []string{}
		for _, c := range cases {
			var first []byte
			for _, n := range counts {
				libtest.Set(set, n)
				if got := libtest.Get(probe); got != n {
					t.Fatalf("%s: %s reads %d after %s(%d)", b.Name, b.Probe, got, b.Setter, n)
				}
				c.call()
				got := c.out()
				if first == nil {
					first = got
					continue
				}
				if bytes.Equal(got, first) {
					continue
				}
				if c.one {
					t.Errorf("%s: %s is below the one-thread cut-off, but its bits differ at %d threads from 1", b.Name, c.name, n)
				} else {
					above = append(above, fmt.Sprintf("%s (%d)", c.name, n))
				}
				break
			}
			if c.one {
				one++
			}
		}
		t.Logf("%s: %d shapes, %d below the cut-offs with the same bits at %v threads; above them, these differ: %s",
			b.Name, len(cases), one, counts, strings.Join(above, ", "))
		if len(above) == 0 {
			t.Errorf("%s: no shape above the cut-offs gives other bits at another count: the test cannot see a threaded call", b.Name)
		}

		// The bits cannot tell a threaded call whose threads split the
		// result so that each element is summed as on one thread (gemm's
		// are, here): the threads busy at a count of 2 can.
		libtest.Set(set, 2)
		defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no GC worker among the busy threads
		// Per routine, its largest call below the cut-off (the first of
		// those as large), and the calls above the cut-offs that show the
		// count can see two threads.
		largest := map[string]int{}
		var routines []string
		for i, c := range cases {
			routine, _, _ := strings.Cut(c.name, " ")
			j, ok := largest[routine]
			if !ok {
				routines = append(routines, routine)
			}
			if c.one && (!ok || !cases[j].one || c.size > cases[j].size) {
				largest[routine] = i
			}
		}
		var busyCases []cutoffCase
		for _, r := range routines {
			if c := cases[largest[r]]; c.one {
				busyCases = append(busyCases, c)
			}
		}
		for _, c := range cases {
			if slices.Contains(cutoffBusyThreaded, c.name) {
				busyCases = append(busyCases, c)
			}
		}
		if len(busyCases) != len(routines)+len(cutoffBusyThreaded) {
			t.Fatalf("%d calls to count busy threads at, want one per routine and %q", len(busyCases), cutoffBusyThreaded)
		}
		threaded := 0
		for _, c := range busyCases {
			if c.one {
				// A thread of the process busy for a moment of the window
				// (seen once on Debian 13's OpenMP build) is not the
				// call's: a threaded call keeps its worker busy in every
				// window. Look up to 3 times while more than one is busy.
				busy := busyThreadList(t, c.call)
				for try := 1; try < 3 && len(busy) > 1; try++ {
					t.Logf("%s: %s: %d busy at a count of 2 (%v), looking again", b.Name, c.name, len(busy), busy)
					busy = busyThreadList(t, c.call)
				}
				t.Logf("%s: %s, the largest %s below its cut-off: %d busy at a count of 2", b.Name, c.name, c.name[:5], len(busy))
				if len(busy) > 1 {
					t.Errorf("%s: %s is below the one-thread cut-off, but %d threads are busy at a count of 2 (%v)", b.Name, c.name, len(busy), busy)
				}
				continue
			}
			busy := busyThreads(t, c.call)
			// Beside other test processes on few CPUs, the worker may get
			// too little CPU to count in one window: look up to 5 times.
			for try := 1; try < 5 && busy <= 1; try++ {
				busy = busyThreads(t, c.call)
			}
			t.Logf("%s: %s, above the cut-offs: %d busy at a count of 2", b.Name, c.name, busy)
			if busy > 1 {
				threaded++
			}
		}
		if threaded == 0 {
			t.Errorf("%s: no call above the cut-offs keeps 2 threads busy: the test cannot see a threaded call", b.Name)
		}
	})
}

// cutoffBusyThreaded are calls above the cut-offs at which
// TestOpenBLASCutoffBits checks that it can see two busy threads.
var cutoffBusyThreaded = []string{"dgemm 128x128x128 N", "dgemv 700x700 N"}

// cutoffCases are the calls, through the Fortran symbols fns, at shapes on
// both sides of each cut-off, with the predicate's answer for each.
func cutoffCases(fns map[string]uintptr) []cutoffCase {
	var out []cutoffCase
	add := func(one bool, size float64, call func(), result func() []byte, format string, args ...any) {
		out = append(out, cutoffCase{fmt.Sprintf(format, args...), one, size, call, result})
	}
	i := func(v int) unsafe.Pointer { return fblas.Int(v, false) }
	ch := func(c byte) unsafe.Pointer { return fblas.Ref(c) }

	// gemm: m·n·k up to 65536·4 (8192·4 complex), with threads from 2·that
	// at 2 threads in 0.3.29 (which divides the work by the count).
	gemm := [][3]int{{8, 8, 8}, {16, 16, 16}, {32, 32, 32}, {33, 32, 32}, {40, 40, 40}, {48, 48, 48},
		{63, 64, 64}, {64, 64, 64}, {65, 64, 64}, {80, 80, 80}, {96, 96, 96}, {128, 128, 128},
		{256, 256, 4}, {257, 256, 4}, {4, 256, 256}, {512, 512, 1}, {1, 512, 512}, {512, 1, 512}, {1, 513, 512}}
	for _, s := range gemm {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range []byte{'N', 'T'} {
			a, b, c := filled(m*k, 1), filled(k*n, 2), filled(m*n, 5)
			lda := m
			if tr == 'T' {
				lda = k
			}
			cc := make([]float64, len(c))
			add(oneThreadGemm(m, n, k, false), work3(m, n, k), func() {
				copy(cc, c)
				fblas.Call(fns["dgemm_"], 2, ch(tr), ch('N'), i(m), i(n), i(k), fblas.Ref(1.0), fblas.Data(a), i(lda),
					fblas.Data(b), i(k), fblas.Ref(0.5), fblas.Data(cc), i(m))
			}, func() []byte { return cutoffBytes(cc) }, "dgemm %dx%dx%d %c", m, n, k, tr)
			za, zb, zc := cutoffComplex(m*k, 1), cutoffComplex(k*n, 2), cutoffComplex(m*n, 5)
			zcc := make([]complex128, len(zc))
			add(oneThreadGemm(m, n, k, true), work3(m, n, k), func() {
				copy(zcc, zc)
				fblas.Call(fns["zgemm_"], 2, ch(tr), ch('N'), i(m), i(n), i(k), fblas.Ref(complex(1, 0.25)), fblas.Data(za), i(lda),
					fblas.Data(zb), i(k), fblas.Ref(complex(0.5, 0)), fblas.Data(zcc), i(m))
			}, func() []byte { return cutoffBytes(zcc) }, "zgemm %dx%dx%d %c", m, n, k, tr)
		}
	}

	// syrk, herk: n below 100 (65 complex) and (n+1)·n·k up to 109944·4
	// (14824·4 complex).
	syrk := [][2]int{{8, 8}, {16, 16}, {32, 32}, {48, 48}, {64, 14}, {64, 15}, {64, 64}, {65, 13}, {65, 100},
		{66, 100}, {80, 80}, {99, 44}, {99, 45}, {100, 1}, {100, 100}, {128, 128}, {160, 32}, {200, 200}}
	for _, s := range syrk {
		n, k := s[0], s[1]
		for _, v := range [][2]byte{{'U', 'N'}, {'L', 'T'}} {
			uplo, tr := v[0], v[1]
			lda := n
			if tr == 'T' {
				lda = k
			}
			a, c := filled(n*k, 1), filled(n*n, 5)
			cc := make([]float64, len(c))
			add(oneThreadSyrk(n, k, false), work3(n, n, k), func() {
				copy(cc, c)
				fblas.Call(fns["dsyrk_"], 2, ch(uplo), ch(tr), i(n), i(k), fblas.Ref(1.0), fblas.Data(a), i(lda),
					fblas.Ref(0.5), fblas.Data(cc), i(n))
			}, func() []byte { return cutoffBytes(cc) }, "dsyrk %d k %d %c%c", n, k, uplo, tr)
			ztr := tr
			if ztr == 'T' {
				ztr = 'C'
			}
			za, zc := cutoffComplex(n*k, 1), cutoffComplex(n*n, 5)
			zcc := make([]complex128, len(zc))
			add(oneThreadSyrk(n, k, true), work3(n, n, k), func() {
				copy(zcc, zc)
				fblas.Call(fns["zherk_"], 2, ch(uplo), ch(ztr), i(n), i(k), fblas.Ref(1.0), fblas.Data(za), i(lda),
					fblas.Ref(0.5), fblas.Data(zcc), i(n))
			}, func() []byte { return cutoffBytes(zcc) }, "zherk %d k %d %c%c", n, k, uplo, ztr)
		}
	}

	// trmm, trsm: m·n below 256·4 (128·4 complex), B m x n.
	tri := [][2]int{{8, 8}, {16, 16}, {16, 31}, {16, 32}, {22, 23}, {23, 23}, {31, 33}, {32, 31}, {32, 32}, {33, 32},
		{4, 255}, {4, 256}, {255, 4}, {256, 4}, {1, 1023}, {1, 1024}, {1023, 1}, {1024, 1},
		{48, 48}, {64, 64}, {128, 128}, {256, 32}, {32, 256}}
	for _, s := range tri {
		m, n := s[0], s[1]
		for _, side := range []byte{'L', 'R'} {
			dim := m
			if side == 'R' {
				dim = n
			}
			a, za := cutoffTriangle(dim), cutoffComplexTriangle(dim)
			b, zb := filled(m*n, 5), cutoffComplex(m*n, 5)
			for _, tr := range []byte{'N', 'T'} {
				for _, r := range []struct {
					name string
					uplo byte
				}{{"trsm", 'U'}, {"trmm", 'L'}} {
					uplo := r.uplo
					bb := make([]float64, len(b))
					add(oneThreadTri(m, n, false), work2(m, n), func() {
						copy(bb, b)
						fblas.Call(fns["d"+r.name+"_"], 4, ch(side), ch(uplo), ch(tr), ch('N'), i(m), i(n), fblas.Ref(0.5),
							fblas.Data(a), i(dim), fblas.Data(bb), i(m))
					}, func() []byte { return cutoffBytes(bb) }, "d%s %dx%d %c%c", r.name, m, n, side, tr)
					zbb := make([]complex128, len(zb))
					add(oneThreadTri(m, n, true), work2(m, n), func() {
						copy(zbb, zb)
						fblas.Call(fns["z"+r.name+"_"], 4, ch(side), ch(uplo), ch(tr), ch('N'), i(m), i(n), fblas.Ref(complex(1, 0.25)),
							fblas.Data(za), i(dim), fblas.Data(zbb), i(m))
					}, func() []byte { return cutoffBytes(zbb) }, "z%s %dx%d %c%c", r.name, m, n, side, tr)
				}
			}
		}
	}

	// gemv: m·n below 2304·4 (1024·4 complex), with threads from
	// 115200·4 for the real one in 0.3.27 on.
	gemv := [][2]int{{16, 16}, {63, 64}, {64, 63}, {64, 64}, {65, 64}, {75, 75}, {96, 95}, {96, 96}, {97, 96}, {150, 150},
		{300, 20}, {20, 300}, {1, 9215}, {9215, 1}, {1, 9216}, {9216, 1}, {700, 700}, {2000, 300}, {300, 2000}}
	for _, s := range gemv {
		m, n := s[0], s[1]
		for _, tr := range []byte{'N', 'T'} {
			lx, ly := n, m
			if tr == 'T' {
				lx, ly = m, n
			}
			a, x, y := filled(m*n, 1), filled(lx, 2), filled(ly, 3)
			yy := make([]float64, len(y))
			add(oneThreadGemv(m, n, false), work2(m, n), func() {
				copy(yy, y)
				fblas.Call(fns["dgemv_"], 1, ch(tr), i(m), i(n), fblas.Ref(1.0), fblas.Data(a), i(m), fblas.Data(x), i(1),
					fblas.Ref(0.5), fblas.Data(yy), i(1))
			}, func() []byte { return cutoffBytes(yy) }, "dgemv %dx%d %c", m, n, tr)
			za, zx, zy := cutoffComplex(m*n, 1), cutoffComplex(lx, 2), cutoffComplex(ly, 3)
			zyy := make([]complex128, len(zy))
			add(oneThreadGemv(m, n, true), work2(m, n), func() {
				copy(zyy, zy)
				fblas.Call(fns["zgemv_"], 1, ch(tr), i(m), i(n), fblas.Ref(complex(1, 0.25)), fblas.Data(za), i(m), fblas.Data(zx), i(1),
					fblas.Ref(complex(0.5, 0)), fblas.Data(zyy), i(1))
			}, func() []byte { return cutoffBytes(zyy) }, "zgemv %dx%d %c", m, n, tr)
		}
	}
	return out
}

// cutoffComplex returns n complex values made as filled's.
func cutoffComplex(n int, seed float64) []complex128 {
	return cfilled(filled(2*n, seed))
}

// cutoffTriangle is an n x n matrix whose triangles are small next to its
// diagonal, so that a solve of any size stays finite.
func cutoffTriangle(n int) []float64 {
	a := filled(n*n, 3)
	for j := range n {
		for i := range n {
			a[i+j*n] /= float64(n)
		}
		a[j+j*n] = 4 + a[j+j*n]
	}
	return a
}

// cutoffComplexTriangle is cutoffTriangle's complex kind.
func cutoffComplexTriangle(n int) []complex128 {
	a := cutoffComplex(n*n, 3)
	for j := range n {
		for i := range n {
			a[i+j*n] /= complex(float64(n), 0)
		}
		a[j+j*n] += 4
	}
	return a
}

// cutoffBytes returns a copy of the bytes of s.
func cutoffBytes[T float64 | complex128](s []T) []byte {
	var zero T
	return bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(zero))))
}
