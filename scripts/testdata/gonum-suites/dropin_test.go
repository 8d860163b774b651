// scripts/gonum-suites.sh adds this file, with its package clause set to
// the package's name, to each gonum package it tests: init installs the
// drop-in (or plain netlib when GONUM_SUITES_MODE=plain) for every test of
// the package, and TestMain checks after the package's tests that
// OpenBLAS's own counts (its global one and, in an OpenMP build, the OpenMP
// count of the thread) read as they did before them, on this OS thread and
// on every idle thread of the Go runtime, and that the linked OpenBLAS is
// the build GONUM_SUITES_LAYER names.

package mat

import (
	suitefmt "fmt"
	suiteos "os"
	suiteruntime "runtime"
	suitestrings "strings"
	suitesync "sync"
	suiteatomic "sync/atomic"
	suitetesting "testing"

	suiteblasctl "github.com/blasctl/blasctl"
	suiteblasgonum "github.com/blasctl/blasctl/blasgonum"
	suiteblas "gonum.org/v1/gonum/blas"
	suiteblas32 "gonum.org/v1/gonum/blas/blas32"
	suiteblas64 "gonum.org/v1/gonum/blas/blas64"
	suitecblas128 "gonum.org/v1/gonum/blas/cblas128"
	suitecblas64 "gonum.org/v1/gonum/blas/cblas64"
	suitenetlib "gonum.org/v1/netlib/blas/netlib"
	suiteopenblas "gonumsuites/openblas"
)

// suiteCounted is netlib with some of its calls counted (the Level 3 one
// that takes most of the time, and the Level 2 and Level 1 ones gonum calls
// most), so that the check knows the package's tests reached OpenBLAS.
type suiteCounted struct{ suitenetlib.Implementation }

var suiteCalls suiteatomic.Int64

func (c suiteCounted) Dgemm(tA, tB suiteblas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, cc []float64, ldc int) {
	suiteCalls.Add(1)
	c.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

func (c suiteCounted) Dgemv(tA suiteblas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	suiteCalls.Add(1)
	c.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
}

func (c suiteCounted) Ddot(n int, x []float64, incX int, y []float64, incY int) float64 {
	suiteCalls.Add(1)
	return c.Implementation.Ddot(n, x, incX, y, incY)
}

func (c suiteCounted) Daxpy(n int, alpha float64, x []float64, incX int, y []float64, incY int) {
	suiteCalls.Add(1)
	c.Implementation.Daxpy(n, alpha, x, incX, y, incY)
}

var suiteMode = suiteos.Getenv("GONUM_SUITES_MODE")

func init() {
	if suiteMode == "plain" {
		impl := suiteCounted{}
		suiteblas64.Use(impl)
		suiteblas32.Use(impl)
		suitecblas64.Use(impl)
		suitecblas128.Use(impl)
		return
	}
	impl := suiteblasgonum.Wrap(suiteCounted{}).OnError(func(err error) {
		suitefmt.Fprintln(suiteos.Stderr, "gonum-suites: blasgonum:", err)
		suiteos.Exit(3)
	})
	suiteblas64.Use(impl)
	suiteblas32.Use(impl)
	suitecblas64.Use(impl)
	suitecblas128.Use(impl)
}

func TestMain(m *suitetesting.M) {
	suiteos.Exit(suiteMain(m))
}

func suiteMain(m *suitetesting.M) int {
	suiteruntime.LockOSThread()
	mode := "drop-in"
	if suiteMode == "plain" {
		mode = "plain netlib"
	}
	layer, err := suiteLayer()
	if err != nil {
		suitefmt.Println("FAIL gonum-suites:", err)
		return 1
	}
	before := suiteReadCounts()
	code := m.Run()
	after := suiteReadCounts()
	others := suiteOtherThreads()
	suitefmt.Printf("gonum-suites: %s, OpenBLAS %s: %v before, %v after (idle threads read %v); %d dgemm, dgemv, ddot and daxpy calls\n",
		mode, layer, before, after, others, suiteCalls.Load())
	if after != before {
		suitefmt.Printf("FAIL gonum-suites: OpenBLAS reads %v after the tests, %v before\n", after, before)
		code = 1
	}
	for _, n := range others {
		if n != before {
			suitefmt.Printf("FAIL gonum-suites: an idle thread reads %v after the tests, %v before\n", n, before)
			code = 1
			break
		}
	}
	if suiteCalls.Load() == 0 {
		suitefmt.Println("FAIL gonum-suites: no counted BLAS call reached OpenBLAS")
		code = 1
	}
	if _, ok := suiteblas64.Implementation().(suiteblasgonum.Implementation); ok == (suiteMode == "plain") {
		suitefmt.Printf("FAIL gonum-suites: blas64 runs %T at the end, not the %s\n", suiteblas64.Implementation(), mode)
		code = 1
	}
	return code
}

// suiteCounts is what OpenBLAS reads on one OS thread: its global count
// and the thread's OpenMP count (-1 without OpenMP).
type suiteCounts struct{ global, omp int }

func (c suiteCounts) String() string {
	if c.omp < 0 {
		return suitefmt.Sprintf("%d threads", c.global)
	}
	return suitefmt.Sprintf("%d threads (OpenMP %d)", c.global, c.omp)
}

func suiteReadCounts() suiteCounts {
	return suiteCounts{suiteopenblas.Threads(), suiteopenblas.OMPThreads()}
}

// suiteLayer checks that the one OpenBLAS blasctl sees is the build
// GONUM_SUITES_LAYER names ("pthreads" or "openmp") and returns its layer.
func suiteLayer() (string, error) {
	want := suiteos.Getenv("GONUM_SUITES_LAYER")
	libs, err := suiteblasctl.Libraries()
	if err != nil {
		return "", err
	}
	var found []string
	for _, l := range libs {
		if l.InternalAPI == "openblas" {
			found = append(found, l.ThreadingLayer+" "+l.Filepath)
		}
	}
	if len(found) != 1 || (want != "" && !suitestrings.HasPrefix(found[0], want+" ")) {
		return "", suitefmt.Errorf("want one OpenBLAS, threading layer %q; blasctl sees %q", want, found)
	}
	return found[0], nil
}

// suiteOtherThreads reads OpenBLAS's counts on as many OS threads as the
// process has, each locked by its own goroutine at the same time, so that
// every idle thread of the Go runtime answers once (an OpenMP build keeps a
// count per thread).
func suiteOtherThreads() []suiteCounts {
	n := 2 * suiteruntime.GOMAXPROCS(0)
	if b, err := suiteos.ReadFile("/proc/self/status"); err == nil {
		for _, line := range suitestrings.Split(string(b), "\n") {
			var k int
			if _, err := suitefmt.Sscanf(line, "Threads: %d", &k); err == nil && k > n {
				n = k
			}
		}
	}
	counts := make([]suiteCounts, n)
	var all, read suitesync.WaitGroup
	all.Add(n)
	read.Add(n)
	for i := range counts {
		go func() {
			suiteruntime.LockOSThread()
			defer suiteruntime.UnlockOSThread()
			counts[i] = suiteReadCounts()
			all.Done()
			all.Wait() // hold this thread until every goroutine has one
			read.Done()
		}()
	}
	read.Wait()
	seen := map[suiteCounts]bool{}
	var distinct []suiteCounts
	for _, c := range counts {
		if !seen[c] {
			seen[c] = true
			distinct = append(distinct, c)
		}
	}
	return distinct
}
