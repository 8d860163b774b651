//go:build cgo && linux

package blasgonum

import (
	"fmt"
	"math"

	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/blasgonum/internal/openblas"
	"github.com/blasctl/blasctl/internal/libtest"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// A routine is one BLAS call on fixed data, above every measured library's
// single-thread cut-off; run returns the bits of its result.
type routine struct {
	name string
	run  func(impl blas.Float64) []uint64
}

// bits returns the bit patterns of xs, so that -0 and NaN compare exactly.
func bits(xs ...float64) []uint64 {
	out := make([]uint64, len(xs))
	for i, x := range xs {
		out[i] = math.Float64bits(x)
	}
	return out
}

// filled returns n values that are not exact in binary and mix signs, so
// that the order of a sum shows in its last bits.
func filled(n int, seed float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Sin(float64(i)*0.7+seed) / 3
	}
	return x
}

// routines are the measured calls: the Level 3 families, the Level 2
// routines the drop-in scopes, and the Level 1 routines OpenBLAS threads.
func routines() []routine {
	const n3, n2, n1 = 512, 2048, 1 << 20
	a3, b3 := filled(n3*n3, 1), filled(n3*n3, 2)
	tri := filled(n3*n3, 3)
	for i := range n3 {
		tri[i*n3+i] = 4 + tri[i*n3+i] // well conditioned for trsm
	}
	a2, x2, y2 := filled(n2*n2, 4), filled(n2, 5), filled(n2, 6)
	tri2 := filled(n2*n2, 7)
	for i := range n2 {
		tri2[i*n2+i] = 4
	}
	x1, y1 := filled(n1, 8), filled(n1, 9)
	cp := slices.Clone[[]float64]
	l3 := func(name string, f func(impl blas.Float64, c []float64)) routine {
		return routine{name, func(impl blas.Float64) []uint64 {
			c := cp(b3)
			f(impl, c)
			return bits(c...)
		}}
	}
	l2 := func(name string, f func(impl blas.Float64, y []float64)) routine {
		return routine{name, func(impl blas.Float64) []uint64 {
			y := cp(y2)
			f(impl, y)
			return bits(y...)
		}}
	}
	return []routine{
		l3("dgemm", func(impl blas.Float64, c []float64) {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, n3, n3, n3, 1, a3, n3, b3, n3, 0.5, c, n3)
		}),
		l3("dsymm", func(impl blas.Float64, c []float64) {
			impl.Dsymm(blas.Left, blas.Upper, n3, n3, 1, a3, n3, b3, n3, 0.5, c, n3)
		}),
		l3("dsyrk", func(impl blas.Float64, c []float64) {
			impl.Dsyrk(blas.Upper, blas.NoTrans, n3, n3, 1, a3, n3, 0.5, c, n3)
		}),
		l3("dsyr2k", func(impl blas.Float64, c []float64) {
			impl.Dsyr2k(blas.Upper, blas.NoTrans, n3, n3, 1, a3, n3, b3, n3, 0.5, c, n3)
		}),
		l3("dtrmm", func(impl blas.Float64, c []float64) {
			impl.Dtrmm(blas.Left, blas.Upper, blas.NoTrans, blas.NonUnit, n3, n3, 1, tri, n3, c, n3)
		}),
		l3("dtrsm", func(impl blas.Float64, c []float64) {
			impl.Dtrsm(blas.Left, blas.Upper, blas.NoTrans, blas.NonUnit, n3, n3, 1, tri, n3, c, n3)
		}),
		l2("dgemv-n", func(impl blas.Float64, y []float64) {
			impl.Dgemv(blas.NoTrans, n2, n2, 1, a2, n2, x2, 1, 0.5, y, 1)
		}),
		l2("dgemv-t", func(impl blas.Float64, y []float64) {
			impl.Dgemv(blas.Trans, n2, n2, 1, a2, n2, x2, 1, 0.5, y, 1)
		}),
		l2("dsymv", func(impl blas.Float64, y []float64) {
			impl.Dsymv(blas.Upper, n2, 1, a2, n2, x2, 1, 0.5, y, 1)
		}),
		l2("dtrmv", func(impl blas.Float64, y []float64) {
			impl.Dtrmv(blas.Upper, blas.NoTrans, blas.NonUnit, n2, tri2, n2, y, 1)
		}),
		l2("dtrsv", func(impl blas.Float64, y []float64) {
			impl.Dtrsv(blas.Upper, blas.NoTrans, blas.NonUnit, n2, tri2, n2, y, 1)
		}),
		routine{"dger", func(impl blas.Float64) []uint64 {
			a := cp(a2)
			impl.Dger(n2, n2, 0.5, x2, 1, y2, 1, a, n2)
			return bits(a...)
		}},
		routine{"dsyr2", func(impl blas.Float64) []uint64 {
			a := cp(a2)
			impl.Dsyr2(blas.Upper, n2, 0.5, x2, 1, y2, 1, a, n2)
			return bits(a...)
		}},
		routine{"ddot", func(impl blas.Float64) []uint64 { return bits(impl.Ddot(n1, x1, 1, y1, 1)) }},
		routine{"dnrm2", func(impl blas.Float64) []uint64 { return bits(impl.Dnrm2(n1, x1, 1)) }},
		routine{"dasum", func(impl blas.Float64) []uint64 { return bits(impl.Dasum(n1, x1, 1)) }},
		routine{"daxpy", func(impl blas.Float64) []uint64 {
			y := cp(y1)
			impl.Daxpy(n1, 0.3, x1, 1, y, 1)
			return bits(y...)
		}},
		routine{"dscal", func(impl blas.Float64) []uint64 {
			y := cp(y1)
			impl.Dscal(n1, 0.3, y, 1)
			return bits(y...)
		}},
	}
}

// measureCounts are the thread counts the measurement compares, set
// through the library's own setter (blasctl caps a count at the CPU count).
var measureCounts = []int{1, 2, 4}

// countDependent runs every routine through plain netlib at each of
// measureCounts on the calling thread and returns, by routine name, the
// counts whose result differs in any bit from the result at 1 thread.
func countDependent(t *testing.T) map[string][]int {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer openblas.SetLibraryThreads(openblas.CallThreads())
	impl := netlib.Implementation{}
	differ := map[string][]int{}
	for _, r := range routines() {
		var first []uint64
		for _, n := range measureCounts {
			openblas.SetLibraryThreads(n)
			got := r.run(impl)
			if n == measureCounts[0] {
				first = got
				continue
			}
			if !slices.Equal(got, first) {
				differ[r.name] = append(differ[r.name], n)
			}
		}
	}
	return differ
}

// measuredBuilds are the builds the measurement runs on, one child
// process each: the OpenBLAS builds linked through LD_LIBRARY_PATH, MKL
// and BLIS put before OpenBLAS with LD_PRELOAD.
func measuredBuilds(t *testing.T) []libtest.Build {
	builds := openBLASBuilds(t)
	for _, b := range libtest.Named(t, "mkl", "blis-pthread", "blis-openmp") {
		b.Env = append(b.Env, "LD_PRELOAD="+strings.Join(b.Load, ":"), "MKL_DYNAMIC=FALSE")
		builds = append(builds, b)
	}
	return builds
}

// TestCountDependence measures, per library, which routines give
// different bits at 2 or 4 threads than at 1 (logged as a table), and
// fails when a routine the default mode fair-shares (countFree) is one of
// them: the default mode's guarantee rests on this measurement.
func TestCountDependence(t *testing.T) {
	libtest.PerBuild(t, measuredBuilds(t), func(t *testing.T, b libtest.Build) {
		setter := openblas.SetLibraryThreads(openblas.CallThreads())
		differ := countDependent(t)
		var line []string
		for _, r := range routines() {
			v := "same"
			if d := differ[r.name]; d != nil {
				v = fmt.Sprintf("differs at %v", d)
			}
			line = append(line, r.name+": "+v)
		}
		t.Logf("%s (set through %s), bits against 1 thread:\n%s", b.Name, setter, strings.Join(line, "\n"))
		for name := range differ {
			if countFree[strings.TrimPrefix(strings.SplitN(name, "-", 2)[0], "d")] {
				t.Errorf("%s: %s is fair-shared in the default mode, but its bits depend on the count", b.Name, name)
			}
		}
	})
}

// countFree mirrors internal/gen's list of the routines the default mode
// fair-shares (by name without the type letter).
var countFree = map[string]bool{"gemm": true, "gemv": true, "ger": true, "geru": true, "gerc": true}

// TestReproducibleDefault checks, on the pthreads and the OpenMP OpenBLAS,
// that calls whose bits depend on the count (dsymv, ddot, dasum, dsyrk)
// give the same bits through the default mode whatever other goroutines
// do: with another goroutine inside WithFairShare (which halves the share)
// and while two goroutines multiply through the wrapper in a loop. Through
// the adaptive mode the share, and so the bits, follow the other
// goroutine: the test checks that at least one routine differs there, so
// that it shows the failure it guards against.
func TestReproducibleDefault(t *testing.T) {
	libtest.PerBuild(t, openBLASBuilds(t), func(t *testing.T, b libtest.Build) {
		checkLinked(t, b)
		if runtime.GOMAXPROCS(0) < 2 {
			t.Fatalf("GOMAXPROCS %d: the share cannot move", runtime.GOMAXPROCS(0))
		}
		var picked []routine
		for _, r := range routines() {
			switch r.name {
			case "dsymv", "ddot", "dasum", "dtrmv":
				picked = append(picked, r)
			}
		}
		differs := func(w Implementation) []string {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var out []string
			for _, r := range picked {
				alone := r.run(w)
				// Another goroutine inside WithFairShare: the share halves.
				inside, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
				go func() {
					defer close(done)
					if err := blasctl.WithFairShare(func() { close(inside); <-release }); err != nil {
						t.Error(err)
					}
				}()
				<-inside
				shared := r.run(w)
				close(release)
				<-done
				if !slices.Equal(shared, alone) {
					out = append(out, r.name+" (another goroutine inside WithFairShare)")
				}
				// Two goroutines multiplying through the wrapper meanwhile.
				stop := make(chan struct{})
				var loops [2]chan struct{}
				for i := range loops {
					loops[i] = make(chan struct{})
					go func() {
						defer close(loops[i])
						const n = 256
						x, c := filled(n*n, 1), make([]float64, n*n)
						for {
							select {
							case <-stop:
								return
							default:
							}
							w.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, x, n, 0, c, n)
						}
					}()
				}
				for range 20 {
					if got := r.run(w); !slices.Equal(got, alone) {
						out = append(out, r.name+" (two goroutines multiplying)")
						break
					}
				}
				close(stop)
				for _, l := range loops {
					<-l
				}
			}
			return out
		}
		if d := differs(Wrap(netlib.Implementation{})); len(d) > 0 {
			t.Errorf("%s, default mode: bits change with other goroutines: %v", b.Name, d)
		}
		d := differs(Wrap(netlib.Implementation{}).Adaptive())
		if len(d) == 0 {
			t.Errorf("%s, adaptive mode: no routine's bits changed with the share: the test cannot see a failure", b.Name)
		}
		t.Logf("%s, adaptive mode: bits change for %v", b.Name, d)
	})
}
