package blasgonum

// The thresholds, in real multiply-adds, from which a Level 3 call runs in
// a scope. Below them a call goes straight through (after the gate): the
// scope would cost a large part of the call, and the libraries run such a
// product on one thread at any count, or with the same bits at every
// count, so a scope has nothing to share. minWork3 applies to the calls
// the default mode fair-shares (gemm but Sgemm) and to every call in the
// adaptive mode; minFixedWork3 to the default mode's count-dependent calls,
// which skip their fixed-count scope only below it and only where
// OpenBLAS runs them on one thread (small3). Variables so that the
// package's tests can scope every call.
//
// Measured with smallcalls_bench_test.go and threshold_bench_test.go
// (netlib on Debian 12's OpenBLAS 0.3.21 pthreads, a shared 2-vCPU VM): a
// warm scope costs about 0.5 us, a 16^3 Dgemm 0.4 us, a 32^3 one 1.2 us.
// The libraries' own cut-offs: OpenBLAS 0.3.21 runs gemm on one thread up
// to m·n·k = 2^18 (2^15 complex multiply-adds: interface/gemm.c), trmm and
// trsm below m·n = 1024 (512 complex: interface/trsm.c), syrk and herk
// below n = 100 (double), 200 (float), 65 (complex: interface/syrk.c), and
// symm, hemm, syr2k and her2k on every thread it has at any size. MKL
// 2020 (Debian 12's libmkl-rt, by experiment) runs dgemm on one thread up
// to 24^3 (busy threads at a count of 2), and its bits move with the count
// from sgemm, trmm and trsm of 17^3 (the same bits at 1, 2 and 4 threads
// up to 16^3) and from syrk and herk of 4 x 4 (TestSmallLevel3Bits): so
// syrk and herk keep their scope at every size.
// BLIS opens a parallel region of its whole count at any size (its OpenMP
// build keeps 2 threads busy for an 8^3 dgemm), but its bits do not move
// with the count at any size measured.
var (
	minWork3      float64 = 1 << 14
	minFixedWork3 float64 = 16*16*16 + 1 // 16^3 goes straight through, 17^3 does not
)

// small3 reports whether a count-dependent Level 3 call of the given work
// goes straight through (after the gate) in w's mode: where OpenBLAS,
// the only BLAS loaded, runs it on one thread (openblas, oncaller.go); in
// the adaptive mode below minWork3; in the default mode below
// minFixedWork3 where oneThread says that OpenBLAS runs it on one thread
// at any count and MKL's bits do not move with it (oneThreadTri; true for
// gemm, false for the routines OpenBLAS always threads and for syrk and
// herk, whose bits move in MKL at every size).
func (w Implementation) small3(work float64, oneThread, openblas bool) bool {
	if openblas && openblasOnly() {
		return true
	}
	if w.adaptive {
		return work < minWork3
	}
	return work < minFixedWork3 && oneThread
}

// oneThreadTri reports whether OpenBLAS runs a trmm or trsm of an m x n
// matrix B on one thread: m·n below 1024, or 512 for a complex one
// (interface/trsm.c: SMP_FACTOR times GEMM_MULTITHREAD_THRESHOLD).
func oneThreadTri(m, n int, complex bool) bool {
	if complex {
		return float64(m)*float64(n) < 512
	}
	return float64(m)*float64(n) < 1024
}
