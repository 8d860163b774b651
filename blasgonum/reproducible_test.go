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
	run  func(impl BLAS) []uint64
}

// bits returns the bit patterns of xs, so that -0 and NaN compare exactly.
func bits(xs ...float64) []uint64 {
	out := make([]uint64, len(xs))
	for i, x := range xs {
		out[i] = math.Float64bits(x)
	}
	return out
}

// cbits returns the bit patterns of the parts of zs.
func cbits(zs []complex128) []uint64 {
	var out []uint64
	for _, z := range zs {
		out = append(out, bits(real(z), imag(z))...)
	}
	return out
}

// f32 rounds x to float32.
func f32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// c64 pairs the values of x into complex64 numbers.
func c64(x []float64) []complex64 {
	out := make([]complex64, len(x)/2)
	for i := range out {
		out[i] = complex(float32(x[2*i]), float32(x[2*i+1]))
	}
	return out
}

// bits32 returns the bit patterns of xs.
func bits32(xs []float32) []uint64 {
	out := make([]uint64, len(xs))
	for i, x := range xs {
		out[i] = uint64(math.Float32bits(x))
	}
	return out
}

// cbits64 returns the bit patterns of the parts of zs.
func cbits64(zs []complex64) []uint64 {
	var out []uint64
	for _, z := range zs {
		out = append(out, bits32([]float32{real(z), imag(z)})...)
	}
	return out
}

// routines are the measured calls: the Level 3 families, the Level 2
// routines the drop-in scopes, and the Level 1 routines OpenBLAS threads.
func routines() []routine {
	const n3, n2, n1 = 384, 1024, 1 << 20
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
	l3 := func(name string, f func(impl BLAS, c []float64)) routine {
		return routine{name, func(impl BLAS) []uint64 {
			c := cp(b3)
			f(impl, c)
			return bits(c...)
		}}
	}
	l2 := func(name string, f func(impl BLAS, y []float64)) routine {
		return routine{name, func(impl BLAS) []uint64 {
			y := cp(y2)
			f(impl, y)
			return bits(y...)
		}}
	}
	return []routine{
		l3("dgemm", func(impl BLAS, c []float64) {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, n3, n3, n3, 1, a3, n3, b3, n3, 0.5, c, n3)
		}),
		routine{"dgemm-tn", func(impl BLAS) []uint64 {
			c := cp(b3)
			impl.Dgemm(blas.Trans, blas.NoTrans, n3, n3, n3, 1, a3, n3, b3, n3, 0.5, c, n3)
			return bits(c...)
		}},
		routine{"dgemm-longk", func(impl BLAS) []uint64 {
			// A small product of a long inner dimension: a library that
			// splits k among threads sums in another order.
			const m, k = 32, 1 << 15
			c := make([]float64, m*m)
			impl.Dgemm(blas.NoTrans, blas.NoTrans, m, m, k, 1, x1[:m*k], k, y1[:k*m], m, 0, c, m)
			return bits(c...)
		}},
		routine{"dgemv-n-wide", func(impl BLAS) []uint64 {
			// A short, wide matrix: a library that splits the columns
			// among threads sums in another order.
			const m, n = 16, 1 << 16
			y := make([]float64, m)
			impl.Dgemv(blas.NoTrans, m, n, 1, x1[:m*n], n, y1[:n], 1, 0, y, 1)
			return bits(y...)
		}},
		routine{"dger-wide", func(impl BLAS) []uint64 {
			const m, n = 16, 1 << 16
			a := cp(x1[:m*n])
			impl.Dger(m, n, 0.5, y1[:m], 1, y1[:n], 1, a, n)
			return bits(a...)
		}},
		// Shapes whose rows do not split evenly into the kernels' blocks
		// (m = 150, 75: gonum's lapack TestDgesvd factors 150 x 150 and
		// 300 x 150 matrices): a library whose threads each take a
		// range of rows computes a row at the edge of a range with another
		// kernel, and so in another order, than the same row inside one.
		routine{"dgemm-odd", func(impl BLAS) []uint64 {
			const m, n, k = 150, 150, 32
			c := cp(b3[:m*n])
			impl.Dgemm(blas.NoTrans, blas.Trans, m, n, k, 1, a3, n3, b3, n3, 1, c, n)
			return bits(c...)
		}},
		routine{"dgemm-tn-odd", func(impl BLAS) []uint64 {
			const m, n, k = 75, 118, 300
			c := make([]float64, m*n)
			impl.Dgemm(blas.Trans, blas.NoTrans, m, n, k, 1, a3, n3, b3, n3, 0, c, n)
			return bits(c...)
		}},
		routine{"dgemv-n-odd", func(impl BLAS) []uint64 {
			const m, n = 75, 300
			y := cp(y2[:m])
			impl.Dgemv(blas.NoTrans, m, n, 1, a2, n2, x2, 1, 0.5, y, 1)
			return bits(y...)
		}},
		routine{"dgemv-t-odd", func(impl BLAS) []uint64 {
			const m, n = 300, 75
			y := cp(y2[:n])
			impl.Dgemv(blas.Trans, m, n, 1, a2, n2, x2, 1, 0.5, y, 1)
			return bits(y...)
		}},
		routine{"dger-odd", func(impl BLAS) []uint64 {
			const m, n = 75, 300
			a := cp(a2[:m*n])
			impl.Dger(m, n, 0.5, x2, 1, y2, 1, a, n)
			return bits(a...)
		}},
		routine{"zgemm-odd", func(impl BLAS) []uint64 {
			const m, n, k = 75, 75, 75
			a, c := cfilled(a3), cfilled(b3[:2*m*n])
			impl.Zgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, n3/2, a, n3/2, 0.5, c, n)
			return cbits(c)
		}},
		routine{"zgemv-odd", func(impl BLAS) []uint64 {
			const m, n = 75, 150
			a, x, y := cfilled(a2), cfilled(x2), cfilled(y2[:2*m])
			impl.Zgemv(blas.NoTrans, m, n, 1, a, n2/2, x, 1, 0.5, y, 1)
			return cbits(y)
		}},
		routine{"zgeru-odd", func(impl BLAS) []uint64 {
			const m, n = 75, 150
			a, x := cfilled(a2[:2*m*n]), cfilled(x2)
			impl.Zgeru(m, n, 1, x, 1, x, 1, a, n)
			return cbits(a)
		}},
		routine{"cgemm-odd", func(impl BLAS) []uint64 {
			const m, n, k = 75, 75, 75
			a, c := c64(a3), c64(b3[:2*m*n])
			impl.Cgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, n3/2, a, n3/2, 0.5, c, n)
			return cbits64(c)
		}},
		routine{"sgemv-odd", func(impl BLAS) []uint64 {
			const m, n = 75, 300
			a, x, y := f32(a2), f32(x2), f32(y2[:m])
			impl.Sgemv(blas.NoTrans, m, n, 1, a, n2, x, 1, 0.5, y, 1)
			return bits32(y)
		}},
		routine{"sger-odd", func(impl BLAS) []uint64 {
			const m, n = 75, 300
			a, x := f32(a2[:m*n]), f32(x2)
			impl.Sger(m, n, 0.5, x, 1, x, 1, a, n)
			return bits32(a)
		}},
		l3("dsymm", func(impl BLAS, c []float64) {
			impl.Dsymm(blas.Left, blas.Upper, n3, n3, 1, a3, n3, b3, n3, 0.5, c, n3)
		}),
		l3("dsyrk", func(impl BLAS, c []float64) {
			impl.Dsyrk(blas.Upper, blas.NoTrans, n3, n3, 1, a3, n3, 0.5, c, n3)
		}),
		l3("dsyr2k", func(impl BLAS, c []float64) {
			impl.Dsyr2k(blas.Upper, blas.NoTrans, n3, n3, 1, a3, n3, b3, n3, 0.5, c, n3)
		}),
		l3("dtrmm", func(impl BLAS, c []float64) {
			impl.Dtrmm(blas.Left, blas.Upper, blas.NoTrans, blas.NonUnit, n3, n3, 1, tri, n3, c, n3)
		}),
		l3("dtrsm", func(impl BLAS, c []float64) {
			impl.Dtrsm(blas.Left, blas.Upper, blas.NoTrans, blas.NonUnit, n3, n3, 1, tri, n3, c, n3)
		}),
		l2("dgemv-n", func(impl BLAS, y []float64) {
			impl.Dgemv(blas.NoTrans, n2, n2, 1, a2, n2, x2, 1, 0.5, y, 1)
		}),
		l2("dgemv-t", func(impl BLAS, y []float64) {
			impl.Dgemv(blas.Trans, n2, n2, 1, a2, n2, x2, 1, 0.5, y, 1)
		}),
		l2("dsymv", func(impl BLAS, y []float64) {
			impl.Dsymv(blas.Upper, n2, 1, a2, n2, x2, 1, 0.5, y, 1)
		}),
		routine{"dsymv-small", func(impl BLAS) []uint64 {
			// Below every scope threshold of the adaptive mode.
			const n = 32
			y := cp(y2[:n])
			impl.Dsymv(blas.Upper, n, 1, a2, n, x2, 1, 0.5, y, 1)
			return bits(y...)
		}},
		l2("dtrmv", func(impl BLAS, y []float64) {
			impl.Dtrmv(blas.Upper, blas.NoTrans, blas.NonUnit, n2, tri2, n2, y, 1)
		}),
		l2("dtrsv", func(impl BLAS, y []float64) {
			impl.Dtrsv(blas.Upper, blas.NoTrans, blas.NonUnit, n2, tri2, n2, y, 1)
		}),
		routine{"dger", func(impl BLAS) []uint64 {
			a := cp(a2)
			impl.Dger(n2, n2, 0.5, x2, 1, y2, 1, a, n2)
			return bits(a...)
		}},
		routine{"dsyr2", func(impl BLAS) []uint64 {
			a := cp(a2)
			impl.Dsyr2(blas.Upper, n2, 0.5, x2, 1, y2, 1, a, n2)
			return bits(a...)
		}},
		routine{"zgemm", func(impl BLAS) []uint64 {
			a, c := cfilled(a3), cfilled(b3)
			impl.Zgemm(blas.NoTrans, blas.NoTrans, n3/2, n3/2, n3/2, 1, a, n3/2, a, n3/2, 0.5, c, n3/2)
			return cbits(c)
		}},
		routine{"zherk", func(impl BLAS) []uint64 {
			a, c := cfilled(a3), cfilled(b3)
			impl.Zherk(blas.Upper, blas.NoTrans, n3/2, n3/2, 1, a, n3/2, 0.5, c, n3/2)
			return cbits(c)
		}},
		routine{"zgemv", func(impl BLAS) []uint64 {
			a, x, y := cfilled(a2), cfilled(x2), cfilled(y2)
			impl.Zgemv(blas.NoTrans, n2/2, n2/2, 1, a, n2/2, x, 1, 0.5, y, 1)
			return cbits(y)
		}},
		routine{"zgerc", func(impl BLAS) []uint64 {
			a, x := cfilled(a2), cfilled(x2)
			impl.Zgerc(n2/2, n2/2, 1, x, 1, x, 1, a, n2/2)
			return cbits(a)
		}},
		routine{"zhemv", func(impl BLAS) []uint64 {
			a, x, y := cfilled(a2), cfilled(x2), cfilled(y2)
			impl.Zhemv(blas.Upper, n2/2, 1, a, n2/2, x, 1, 0.5, y, 1)
			return cbits(y)
		}},
		routine{"zdotc", func(impl BLAS) []uint64 {
			x := cfilled(x1)
			return cbits([]complex128{impl.Zdotc(len(x), x, 1, x, 1)})
		}},
		routine{"dznrm2", func(impl BLAS) []uint64 { return bits(impl.Dznrm2(len(x1)/2, cfilled(x1), 1)) }},
		routine{"sdot", func(impl BLAS) []uint64 {
			x := make([]float32, len(x1))
			for i, v := range x1 {
				x[i] = float32(v)
			}
			return bits(float64(impl.Sdot(len(x), x, 1, x, 1)))
		}},
		routine{"sgemm", func(impl BLAS) []uint64 {
			a, c := f32(a3), f32(b3)
			impl.Sgemm(blas.NoTrans, blas.NoTrans, n3, n3, n3, 1, a, n3, a, n3, 0.5, c, n3)
			return bits32(c)
		}},
		routine{"cgemm", func(impl BLAS) []uint64 {
			a, c := c64(a3), c64(b3)
			impl.Cgemm(blas.NoTrans, blas.NoTrans, n3/2, n3/2, n3/2, 1, a, n3/2, a, n3/2, 0.5, c, n3/2)
			return cbits64(c)
		}},
		routine{"sgemv", func(impl BLAS) []uint64 {
			a, x, y := f32(a2), f32(x2), f32(y2)
			impl.Sgemv(blas.Trans, n2, n2, 1, a, n2, x, 1, 0.5, y, 1)
			return bits32(y)
		}},
		routine{"cgemv", func(impl BLAS) []uint64 {
			a, x, y := c64(a2), c64(x2), c64(y2)
			impl.Cgemv(blas.NoTrans, n2/2, n2/2, 1, a, n2/2, x, 1, 0.5, y, 1)
			return cbits64(y)
		}},
		routine{"sger", func(impl BLAS) []uint64 {
			a, x := f32(a2), f32(x2)
			impl.Sger(n2, n2, 0.5, x, 1, x, 1, a, n2)
			return bits32(a)
		}},
		routine{"cgeru", func(impl BLAS) []uint64 {
			a, x := c64(a2), c64(x2)
			impl.Cgeru(n2/2, n2/2, 1, x, 1, x, 1, a, n2/2)
			return cbits64(a)
		}},
		routine{"zgeru", func(impl BLAS) []uint64 {
			a, x := cfilled(a2), cfilled(x2)
			impl.Zgeru(n2/2, n2/2, 1, x, 1, x, 1, a, n2/2)
			return cbits(a)
		}},
		routine{"ddot", func(impl BLAS) []uint64 { return bits(impl.Ddot(n1, x1, 1, y1, 1)) }},
		routine{"dnrm2", func(impl BLAS) []uint64 { return bits(impl.Dnrm2(n1, x1, 1)) }},
		routine{"dasum", func(impl BLAS) []uint64 { return bits(impl.Dasum(n1, x1, 1)) }},
		routine{"daxpy", func(impl BLAS) []uint64 {
			y := cp(y1)
			impl.Daxpy(n1, 0.3, x1, 1, y, 1)
			return bits(y...)
		}},
		routine{"dscal", func(impl BLAS) []uint64 {
			y := cp(y1)
			impl.Dscal(n1, 0.3, y, 1)
			return bits(y...)
		}},
	}
}

// countDependent runs every routine through plain netlib at each of counts
// (the first 1), set on the calling thread through the library's own setter
// (blasctl caps a count at the CPU count), and returns, by routine name,
// the counts whose result differs in any bit from the result at 1 thread.
func countDependent(t *testing.T, measureCounts []int) map[string][]int {
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
		// 4 threads on this machine's 2 CPUs: BLIS's threads wait for
		// each other at barriers, spinning, and a product then takes
		// seconds; BLIS is measured at 1 and 2.
		counts := []int{1, 2, 4}
		if b.InternalAPI == "blis" {
			counts = counts[:2]
		}
		differ := countDependent(t, counts)
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
			if stem, _, _ := strings.Cut(name, "-"); countFree[strings.ToUpper(stem[:1])+stem[1:]] {
				t.Errorf("%s: %s is fair-shared in the default mode, but its bits depend on the count", b.Name, name)
			}
		}
	})
}

// TestReproducibleDefault checks, on the pthreads and the OpenMP OpenBLAS,
// that calls whose bits depend on the count (dgemm and dgemv at the shapes
// of gonum's lapack TestDgesvd, dsymv, a small one too, dtrmv, zherk, ddot,
// dasum) give the same bits through the default mode whatever other goroutines
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
			case "dgemm-odd", "dgemv-n-odd", "dsymv", "dsymv-small", "dtrmv", "zherk", "ddot", "dasum":
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

// BenchmarkModes is what the default mode costs against the adaptive one,
// one goroutine calling (so the adaptive share is GOMAXPROCS): the
// count-dependent calls it runs at the fixed count (a Level 1 reduction at
// the threshold and above it, a small and a large Level 2 and Level 3 one,
// and Dgemm at two sizes), and Dger, fair-shared in both.
//
//	go test -run '^$' -bench Modes -count 6
func BenchmarkModes(b *testing.B) {
	x := filled(1<<20, 1)
	calls := []struct {
		name string
		call func(w Implementation)
	}{
		{"ddot/n=8192", func(w Implementation) { w.Ddot(8192, x, 1, x, 1) }},
		{"ddot/n=65536", func(w Implementation) { w.Ddot(1<<16, x, 1, x, 1) }},
		{"dsymv/n=32", func(w Implementation) { w.Dsymv(blas.Upper, 32, 1, x, 32, x, 1, 0, make([]float64, 32), 1) }},
		{"dsymv/n=128", func(w Implementation) { w.Dsymv(blas.Upper, 128, 1, x, 128, x, 1, 0, make([]float64, 128), 1) }},
		{"dsymv/n=1024", func(w Implementation) { w.Dsymv(blas.Upper, 1024, 1, x, 1024, x, 1, 0, make([]float64, 1024), 1) }},
		{"dsyrk/n=64", func(w Implementation) {
			w.Dsyrk(blas.Upper, blas.NoTrans, 64, 64, 1, x, 64, 0, make([]float64, 64*64), 64)
		}},
		{"dsyrk/n=512", func(w Implementation) {
			w.Dsyrk(blas.Upper, blas.NoTrans, 512, 512, 1, x, 512, 0, make([]float64, 512*512), 512)
		}},
		{"dgemm/n=256", func(w Implementation) {
			w.Dgemm(blas.NoTrans, blas.NoTrans, 256, 256, 256, 1, x, 256, x, 256, 0, make([]float64, 256*256), 256)
		}},
		{"dgemm/n=1024", func(w Implementation) {
			w.Dgemm(blas.NoTrans, blas.NoTrans, 1024, 1024, 1024, 1, x, 1024, x, 1024, 0, make([]float64, 1024*1024), 1024)
		}},
		{"dger/n=1024", func(w Implementation) { w.Dger(1024, 1024, 1, x, 1, x, 1, make([]float64, 1024*1024), 1024) }},
	}
	for _, c := range calls {
		for _, m := range []struct {
			name string
			w    Implementation
		}{{"default", Wrap(netlib.Implementation{})}, {"adaptive", Wrap(netlib.Implementation{}).Adaptive()}} {
			b.Run(c.name+"/"+m.name, func(b *testing.B) {
				for b.Loop() {
					c.call(m.w)
				}
			})
		}
	}
}
