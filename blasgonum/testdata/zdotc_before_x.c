/* OpenBLAS 0.3.21 (Debian 12) reads before x in cblas_zdotc_sub with a
   negative increment. x starts right after a PROT_NONE page; with n = 12
   and incX = -3 the call faults, and with x 48 bytes or more into its page
   it returns the right result (210). Not run by the tests: it records the
   library behaviour that heapguard_linux_test.go works around.

     gcc zdotc_before_x.c -lopenblas && ./a.out 0 && ./a.out 48  */
#include <complex.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <cblas.h>

int main(int argc, char **argv) {
	long page = 4096;
	int off = argc > 1 ? atoi(argv[1]) : 0;
	char *m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m, page, PROT_NONE) != 0) {
		perror("mmap");
		return 2;
	}
	double complex *x = (double complex *)(m + page + off), y[56], r;
	for (int i = 0; i < 34; i++) x[i] = i + 1;
	for (int i = 0; i < 56; i++) y[i] = 1;
	cblas_zdotc_sub(12, x, -3, y, -5, &r);
	printf("x %d bytes into its page: zdotc = %g\n", off, creal(r));
	return 0;
}
