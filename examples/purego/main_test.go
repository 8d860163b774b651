package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/libopenblas.so.0"); err != nil && os.Getenv("BLASCTL_REQUIRE_LIBS") != "1" {
		t.Skip("libopenblas.so.0 is not installed")
	}
	var out strings.Builder
	if err := run(&out, "libopenblas.so.0", 32); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if want := "inside WithThreads(1): openblas, 1 threads"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	// Small integers: the sum is exact.
	if want := "sum of C = A x A: " + naiveSum(32); !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}

// naiveSum is the sum of A x A for run's n x n matrix, by a triple loop.
func naiveSum(n int) string {
	a := func(r, c int) float64 { return float64((c*n+r)%5) - 2 } // column-major
	sum := 0.0
	for r := range n {
		for c := range n {
			for k := range n {
				sum += a(r, k) * a(k, c)
			}
		}
	}
	return strconv.FormatFloat(sum, 'g', -1, 64)
}
