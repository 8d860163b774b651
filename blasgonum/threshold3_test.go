//go:build cgo && linux

package blasgonum

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/blasctl/blasctl/blasgonum/internal/openblas"
	"github.com/blasctl/blasctl/internal/libtest"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// small3Case is one count-dependent Level 3 call at one shape: whether the
// default mode lets it skip its fixed-count scope, and the bits it gives.
type small3Case struct {
	name string
	skip bool
	run  func() []uint64
}

// small3Cases are count-dependent Level 3 routines (Sgemm, trmm and trsm,
// which the default mode may run without a scope, and syrk and herk, which
// it never does), at shapes
// on both sides of their thresholds, up to products where OpenBLAS's bits
// differ between counts (TestCountDependence): were a threshold raised
// past that, a skipped case would differ.
func small3Cases() []small3Case {
	impl := netlib.Implementation{}
	def := Implementation{&wrapping{}} // the default mode's thresholds
	var out []small3Case
	add := func(name string, skip bool, run func() []uint64) {
		out = append(out, small3Case{name, skip, run})
	}
	tri := func(n int) []float64 {
		a := filled(n*n, 3)
		for i := range n {
			a[i*n+i] = 4
		}
		return a
	}
	for _, n := range []int{4, 8, 16, 17, 18, 20, 24, 31, 32, 64, 128, 384} {
		a, b, c := filled(n*n, 1), filled(n*n, 2), filled(n*n, 5)
		add(fmt.Sprintf("sgemm %d", n), def.small3(work3(n, n, n), true, oneThreadGemm(n, n, n, false)), func() []uint64 {
			cc := f32(c)
			impl.Sgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, f32(a), n, f32(b), n, 0.5, cc, n)
			return bits32(cc)
		})
		for _, k := range []int{n, 8} {
			a := filled(n*k, 1)
			add(fmt.Sprintf("dsyrk %d k %d", n, k), def.small3(work3(n, n, k), false, oneThreadSyrk(n, k, false)), func() []uint64 {
				cc := slices.Clone(c)
				impl.Dsyrk(blas.Upper, blas.NoTrans, n, k, 1, a, k, 0.5, cc, n)
				return bits(cc...)
			})
			add(fmt.Sprintf("ssyrk %d k %d", n, k), def.small3(work3(n, n, k), false, oneThreadSyrk(n, k, false)), func() []uint64 {
				cc := f32(c)
				impl.Ssyrk(blas.Upper, blas.Trans, n, k, 1, f32(a), n, 0.5, cc, n) // a is k x n
				return bits32(cc)
			})
			add(fmt.Sprintf("zherk %d k %d", n, k), def.small3(4*work3(n, n, k), false, oneThreadSyrk(n, k, true)), func() []uint64 {
				za, zc := cfilled(filled(2*n*k, 1)), cfilled(filled(2*n*n, 5))
				impl.Zherk(blas.Upper, blas.NoTrans, n, k, 1, za, k, 0.5, zc, n)
				return cbits(zc)
			})
		}
		ta := tri(n)
		for _, s := range []blas.Side{blas.Left, blas.Right} {
			for _, tr := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				add(fmt.Sprintf("dtrsm %d side %c trans %c", n, s, tr), def.small3(workSide(s, n, n), oneThreadTri(n, n, false), oneThreadTri(n, n, false)), func() []uint64 {
					cc := slices.Clone(c)
					impl.Dtrsm(s, blas.Upper, tr, blas.NonUnit, n, n, 0.5, ta, n, cc, n)
					return bits(cc...)
				})
				add(fmt.Sprintf("dtrmm %d side %c trans %c", n, s, tr), def.small3(workSide(s, n, n), oneThreadTri(n, n, false), oneThreadTri(n, n, false)), func() []uint64 {
					cc := slices.Clone(c)
					impl.Dtrmm(s, blas.Lower, tr, blas.NonUnit, n, n, 0.5, ta, n, cc, n)
					return bits(cc...)
				})
			}
		}
		zt := cfilled(filled(2*n*n, 3))
		for i := range n {
			zt[i*n+i] = 4
		}
		add(fmt.Sprintf("ztrsm %d", n), def.small3(4*workSide(blas.Left, n, n), oneThreadTri(n, n, true), oneThreadTri(n, n, true)), func() []uint64 {
			zc := cfilled(filled(2*n*n, 5))
			impl.Ztrsm(blas.Left, blas.Upper, blas.NoTrans, blas.NonUnit, n, n, 1, zt, n, zc, n)
			return cbits(zc)
		})
		add(fmt.Sprintf("ctrmm %d", n), def.small3(4*workSide(blas.Right, n, n), oneThreadTri(n, n, true), oneThreadTri(n, n, true)), func() []uint64 {
			zc := c64(filled(2*n*n, 5))
			impl.Ctrmm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, n, n, 1, c64(filled(2*n*n, 3)), n, zc, n)
			return cbits64(zc)
		})
	}
	// Dgemm and Zgemm on both sides of OpenBLAS's one-thread cut-off, and
	// Dgemv and Zgemv on both sides of theirs: the default mode runs them
	// without a scope below it while OpenBLAS alone is loaded.
	for _, n := range []int{16, 24, 32, 33, 48, 64, 65, 96} {
		a, b, c := filled(n*n, 1), filled(n*n, 2), filled(n*n, 5)
		add(fmt.Sprintf("dgemm %d", n), def.small3(work3(n, n, n), true, oneThreadGemm(n, n, n, false)), func() []uint64 {
			cc := slices.Clone(c)
			impl.Dgemm(blas.NoTrans, blas.Trans, n, n, n, 1, a, n, b, n, 0.5, cc, n)
			return bits(cc...)
		})
		za, zc := cfilled(filled(2*n*n, 1)), cfilled(filled(2*n*n, 5))
		add(fmt.Sprintf("zgemm %d", n), def.small3(4*work3(n, n, n), true, oneThreadGemm(n, n, n, true)), func() []uint64 {
			cc := slices.Clone(zc)
			impl.Zgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, za, n, za, n, 0.5, cc, n)
			return cbits(cc)
		})
	}
	for _, d := range [][2]int{{75, 75}, {96, 95}, {96, 96}, {150, 150}, {64, 63}, {64, 64}, {300, 20}} {
		m, n := d[0], d[1]
		a, x, y := filled(m*n, 1), filled(n, 2), filled(m, 3)
		add(fmt.Sprintf("dgemv %dx%d", m, n), onCaller(oneThreadGemv(m, n, false)), func() []uint64 {
			yy := slices.Clone(y)
			impl.Dgemv(blas.NoTrans, m, n, 1, a, n, x, 1, 0.5, yy, 1)
			return bits(yy...)
		})
		za, zx, zy := cfilled(filled(2*m*n, 1)), cfilled(filled(2*n, 2)), cfilled(filled(2*m, 3))
		add(fmt.Sprintf("zgemv %dx%d", m, n), onCaller(oneThreadGemv(m, n, true)), func() []uint64 {
			yy := slices.Clone(zy)
			impl.Zgemv(blas.NoTrans, m, n, 1, za, n, zx, 1, 0.5, yy, 1)
			return cbits(yy)
		})
	}
	// Other shapes of Sgemm and Dtrmm of little work.
	for _, d := range [][3]int{{4, 4, 256}, {64, 8, 8}, {8, 64, 8}, {2, 2, 1000}, {16, 16, 16}} {
		m, n, k := d[0], d[1], d[2]
		a, b, c := f32(filled(m*k, 1)), f32(filled(k*n, 2)), f32(filled(m*n, 5))
		add(fmt.Sprintf("sgemm %dx%dx%d", m, n, k), def.small3(work3(m, n, k), true, oneThreadGemm(m, n, k, false)), func() []uint64 {
			cc := slices.Clone(c)
			impl.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0.5, cc, n)
			return bits32(cc)
		})
	}
	for _, d := range [][2]int{{8, 64}, {64, 8}, {4, 250}} {
		m, n := d[0], d[1]
		ta, c := tri(m), filled(m*n, 5)
		add(fmt.Sprintf("dtrmm %dx%d", m, n), def.small3(workSide(blas.Left, m, n), oneThreadTri(m, n, false), oneThreadTri(m, n, false)), func() []uint64 {
			cc := slices.Clone(c)
			impl.Dtrmm(blas.Left, blas.Upper, blas.NoTrans, blas.NonUnit, m, n, 0.5, ta, m, cc, n)
			return bits(cc...)
		})
	}
	// Thin shapes: a row or a column of B.
	for _, n := range []int{1000, 1023, 1024, 8192} {
		ta := tri(1)
		row := filled(n, 6)
		add(fmt.Sprintf("dtrsm 1x%d", n), def.small3(workSide(blas.Left, 1, n), oneThreadTri(1, n, false), oneThreadTri(1, n, false)), func() []uint64 {
			cc := slices.Clone(row)
			impl.Dtrsm(blas.Left, blas.Upper, blas.NoTrans, blas.NonUnit, 1, n, 0.5, ta, 1, cc, n)
			return bits(cc...)
		})
		add(fmt.Sprintf("dtrmm %dx1", n), def.small3(workSide(blas.Right, n, 1), oneThreadTri(n, 1, false), oneThreadTri(n, 1, false)), func() []uint64 {
			cc := slices.Clone(row)
			impl.Dtrmm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, n, 1, 0.5, ta, 1, cc, 1)
			return bits(cc...)
		})
	}
	return out
}

// TestSmallLevel3Bits checks, on every library the default mode is
// measured on (measuredBuilds), that each count-dependent Level 3 call the
// default mode runs without a scope (below minWork3, where oneThreadTri or
// oneThreadRank holds) gives the same bits at a count of 1, 2 and 4 (BLIS:
// 1 and 2), so that skipping its fixed-count scope keeps the default mode
// reproducible. The larger shapes, which keep their scope, are only logged
// where their bits differ.
func TestSmallLevel3Bits(t *testing.T) {
	libtest.PerBuild(t, measuredBuilds(t), func(t *testing.T, b libtest.Build) {
		look() // which BLAS is loaded decides which calls skip their scope
		if want := b.InternalAPI == "openblas"; (loaded.Load() == kindOpenBLAS) != want {
			t.Errorf("%s: the wrapper reads OpenBLAS alone loaded: %v, want %v", b.Name, loaded.Load() == kindOpenBLAS, want)
		}
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer openblas.SetLibraryThreads(openblas.CallThreads())
		counts := []int{1, 2, 4}
		if b.InternalAPI == "blis" {
			counts = counts[:2] // see TestCountDependence
		}
		skipped, scopedDiffer := 0, []string{}
		for _, c := range small3Cases() {
			var first []uint64
			for _, n := range counts {
				openblas.SetLibraryThreads(n)
				got := c.run()
				if first == nil {
					first = got
					continue
				}
				if slices.Equal(got, first) {
					continue
				}
				if c.skip {
					t.Errorf("%s: %s runs without a scope in the default mode, but its bits differ at %d threads", b.Name, c.name, n)
				} else {
					scopedDiffer = append(scopedDiffer, fmt.Sprintf("%s (%d)", c.name, n))
				}
				break
			}
			if c.skip {
				skipped++
			}
		}
		if skipped < 20 {
			t.Errorf("only %d cases run without a scope: the thresholds no longer let small calls through", skipped)
		}
		t.Logf("%s: %d cases run without a scope; of those kept in one, these differ between %v threads: %s", b.Name, skipped, counts, strings.Join(scopedDiffer, ", "))
	})
}
