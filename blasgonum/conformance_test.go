//go:build cgo

package blasgonum

import (
	"fmt"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas/testblas"
	"gonum.org/v1/netlib/blas/netlib"

	_ "github.com/blasctl/blasctl/blasgonum/internal/openblas" // links OpenBLAS for netlib
)

// suite is every gonum conformance test that gonum.org/v1/netlib/blas/netlib
// runs on its own Implementation (its level1double_test.go,
// level1cmplx128_test.go, level2double_test.go, level2cmplx128_test.go,
// level3double_test.go and level3cmplx128_test.go), each on impl.
func suite(impl Implementation) []struct {
	name string
	run  func(*testing.T)
} {
	type test = struct {
		name string
		run  func(*testing.T)
	}
	return []test{
		// Level 1, real
		{"Dasum", func(t *testing.T) { testblas.DasumTest(t, impl) }},
		{"Daxpy", func(t *testing.T) { testblas.DaxpyTest(t, impl) }},
		{"Ddot", func(t *testing.T) { testblas.DdotTest(t, impl) }},
		{"Dnrm2", func(t *testing.T) { testblas.Dnrm2Test(t, impl) }},
		{"Idamax", func(t *testing.T) { testblas.IdamaxTest(t, impl) }},
		{"Dswap", func(t *testing.T) { testblas.DswapTest(t, impl) }},
		{"Dcopy", func(t *testing.T) { testblas.DcopyTest(t, impl) }},
		// gonum v0.17 added extreme-value cases to DrotgTest after netlib's
		// test was written (it calls DrotgTest(t, impl)); Debian's OpenBLAS
		// 0.3.21 fails them with or without the wrapper, which passes Level 1
		// calls straight through, so they are skipped as gonum lets callers do.
		{"Drotg", func(t *testing.T) { testblas.DrotgTest(t, impl, true) }},
		{"Drotmg", func(t *testing.T) { testblas.DrotmgTest(t, impl) }},
		{"Drot", func(t *testing.T) { testblas.DrotTest(t, impl) }},
		{"Drotm", func(t *testing.T) { testblas.DrotmTest(t, impl) }},
		{"Dscal", func(t *testing.T) { testblas.DscalTest(t, impl) }},
		// Level 1, complex
		{"Dzasum", func(t *testing.T) { testblas.DzasumTest(t, impl) }},
		{"Dznrm2", func(t *testing.T) { testblas.Dznrm2Test(t, impl) }},
		{"Izamax", func(t *testing.T) { testblas.IzamaxTest(t, impl) }},
		{"Zaxpy", func(t *testing.T) { testblas.ZaxpyTest(t, impl) }},
		{"Zcopy", func(t *testing.T) { testblas.ZcopyTest(t, impl) }},
		{"Zdotc", func(t *testing.T) { testblas.ZdotcTest(t, impl) }},
		{"Zdotu", func(t *testing.T) { testblas.ZdotuTest(t, impl) }},
		{"Zdscal", func(t *testing.T) { testblas.ZdscalTest(t, impl) }},
		{"Zscal", func(t *testing.T) { testblas.ZscalTest(t, impl) }},
		{"Zswap", func(t *testing.T) { testblas.ZswapTest(t, impl) }},
		// Level 2, real
		{"Dgemv", func(t *testing.T) { testblas.DgemvTest(t, impl) }},
		{"Dger", func(t *testing.T) { testblas.DgerTest(t, impl) }},
		{"Dtxmv", func(t *testing.T) { testblas.DtxmvTest(t, impl) }},
		{"Dgbmv", func(t *testing.T) { testblas.DgbmvTest(t, impl) }},
		{"Dtbsv", func(t *testing.T) { testblas.DtbsvTest(t, impl) }},
		{"Dsbmv", func(t *testing.T) { testblas.DsbmvTest(t, impl) }},
		{"Dtbmv", func(t *testing.T) { testblas.DtbmvTest(t, impl) }},
		{"Dtrsv", func(t *testing.T) { testblas.DtrsvTest(t, impl) }},
		{"Dtrmv", func(t *testing.T) { testblas.DtrmvTest(t, impl) }},
		{"Dsymv", func(t *testing.T) { testblas.DsymvTest(t, impl) }},
		{"Dsyr", func(t *testing.T) { testblas.DsyrTest(t, impl) }},
		{"Dsyr2", func(t *testing.T) { testblas.Dsyr2Test(t, impl) }},
		{"Dspr2", func(t *testing.T) { testblas.Dspr2Test(t, impl) }},
		{"Dspr", func(t *testing.T) { testblas.DsprTest(t, impl) }},
		{"Dspmv", func(t *testing.T) { testblas.DspmvTest(t, impl) }},
		{"Dtpsv", func(t *testing.T) { testblas.DtpsvTest(t, impl) }},
		{"Dtpmv", func(t *testing.T) { testblas.DtpmvTest(t, impl) }},
		// Level 2, complex
		{"Zgbmv", func(t *testing.T) { testblas.ZgbmvTest(t, impl) }},
		{"Zgemv", func(t *testing.T) { testblas.ZgemvTest(t, impl) }},
		{"Zgerc", func(t *testing.T) { testblas.ZgercTest(t, impl) }},
		{"Zgeru", func(t *testing.T) { testblas.ZgeruTest(t, impl) }},
		{"Zhbmv", func(t *testing.T) { testblas.ZhbmvTest(t, impl) }},
		{"Zhemv", func(t *testing.T) { testblas.ZhemvTest(t, impl) }},
		{"Zher", func(t *testing.T) { testblas.ZherTest(t, impl) }},
		{"Zher2", func(t *testing.T) { testblas.Zher2Test(t, impl) }},
		{"Zhpmv", func(t *testing.T) { testblas.ZhpmvTest(t, impl) }},
		{"Zhpr", func(t *testing.T) { testblas.ZhprTest(t, impl) }},
		{"Zhpr2", func(t *testing.T) { testblas.Zhpr2Test(t, impl) }},
		{"Ztbmv", func(t *testing.T) { testblas.ZtbmvTest(t, impl) }},
		{"Ztbsv", func(t *testing.T) { testblas.ZtbsvTest(t, impl) }},
		{"Ztpmv", func(t *testing.T) { testblas.ZtpmvTest(t, impl) }},
		{"Ztpsv", func(t *testing.T) { testblas.ZtpsvTest(t, impl) }},
		{"Ztrmv", func(t *testing.T) { testblas.ZtrmvTest(t, impl) }},
		{"Ztrsv", func(t *testing.T) { testblas.ZtrsvTest(t, impl) }},
		// Level 3, real
		{"Dgemm", func(t *testing.T) { testblas.TestDgemm(t, impl) }},
		{"Dsymm", func(t *testing.T) { testblas.DsymmTest(t, impl) }},
		{"Dtrsm", func(t *testing.T) { testblas.DtrsmTest(t, impl) }},
		{"Dsyrk", func(t *testing.T) { testblas.DsyrkTest(t, impl) }},
		{"Dsyr2k", func(t *testing.T) { testblas.Dsyr2kTest(t, impl) }},
		{"Dtrmm", func(t *testing.T) { testblas.DtrmmTest(t, impl) }},
		// Level 3, complex
		{"Zgemm", func(t *testing.T) { testblas.ZgemmTest(t, impl) }},
		{"Zhemm", func(t *testing.T) { testblas.ZhemmTest(t, impl) }},
		{"Zher2k", func(t *testing.T) { testblas.Zher2kTest(t, impl) }},
		{"Zherk", func(t *testing.T) { testblas.ZherkTest(t, impl) }},
		{"Zsymm", func(t *testing.T) { testblas.ZsymmTest(t, impl) }},
		{"Zsyr2k", func(t *testing.T) { testblas.Zsyr2kTest(t, impl) }},
		{"Zsyrk", func(t *testing.T) { testblas.ZsyrkTest(t, impl) }},
		{"Ztrmm", func(t *testing.T) { testblas.ZtrmmTest(t, impl) }},
		{"Ztrsm", func(t *testing.T) { testblas.ZtrsmTest(t, impl) }},
	}
}

// everyCallScoped sets the thresholds to 0 until the test ends, so that
// every Level 2 and 3 call and every Level 1 reduction of the suite runs in
// a scope (most of gonum's test matrices are below the thresholds).
func everyCallScoped(t *testing.T) {
	w1, w2, w3, f3, pl := minWork1, minWork2, minWork3, minFixedWork3, perLibrary
	minWork1, minWork2, minWork3, minFixedWork3, perLibrary = 0, 0, 0, 0, false
	t.Cleanup(func() { minWork1, minWork2, minWork3, minFixedWork3, perLibrary = w1, w2, w3, f3, pl })
}

// run runs fn as the subtest name of t.
func run(t *testing.T, name string, fn func(*testing.T)) { t.Run(name, fn) }

// TestConformance runs gonum's conformance suites through the wrapper
// around netlib (OpenBLAS), with the thresholds as shipped and with every
// Level 2 and 3 call and every Level 1 reduction scoped, in the default
// mode, and with every call scoped in the adaptive mode.
func TestConformance(t *testing.T) {
	for _, mode := range []string{"thresholds", "every call scoped", "every call scoped, adaptive"} {
		t.Run(mode, func(t *testing.T) {
			impl := Wrap(netlib.Implementation{})
			if mode != "thresholds" {
				everyCallScoped(t)
			}
			if mode == "every call scoped, adaptive" {
				impl = impl.Adaptive()
			}
			for _, tc := range suite(impl) {
				run(t, tc.name, tc.run)
			}
		})
	}
}

// sharedScratch are the tests that copy their vectors into testblas's own
// package-level scratch (DoubleTwoVectorCases' XTmp and YTmp): two copies
// of one of them cannot run at once, wrapped or not.
var sharedScratch = map[string]bool{"Daxpy": true, "Dcopy": true, "Ddot": true, "Drot": true, "Drotm": true, "Dswap": true}

// TestConformanceConcurrent runs the suites on 8 goroutines at once, each
// running every test (those of sharedScratch on the first goroutine only:
// they share testblas's scratch, wrapped or not), with every Level 2 and 3
// call and every Level 1 reduction scoped: 8 goroutines' fair shares overlap on the
// same OpenBLAS. Under the race detector, which makes the suites about 7
// times slower, goroutine g runs the tests whose index is g modulo 4: still
// 8 goroutines at once, each test on 2 of them (those of sharedScratch all
// on the first).
func TestConformanceConcurrent(t *testing.T) {
	everyCallScoped(t)
	impl := Wrap(netlib.Implementation{})
	const goroutines = 8
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// t.Run may be called from many goroutines at once; each
			// subtest runs to the end before this goroutine goes on.
			t.Run(fmt.Sprintf("goroutine%d", g), func(t *testing.T) {
				for i, tc := range suite(impl) {
					switch {
					case sharedScratch[tc.name]:
						if g == 0 {
							run(t, tc.name, tc.run)
						}
					case !raceEnabled || i%4 == g%4:
						run(t, tc.name, tc.run)
					}
				}
			})
		}()
	}
	close(start)
	wg.Wait()
}
