package blasctltest_test

import (
	"testing"

	"github.com/blasctl/blasctl/blasctltest"
)

// In your package this is TestMultiply: Pin makes its BLAS calls run on one
// thread, so that results and timings do not depend on the machine, and
// puts every count back when the test ends.
func testMultiply(t *testing.T) {
	blasctltest.Pin(t, 1)
	// ... call the code under test ...
}

// A benchmark pins the same way.
func benchmarkMultiply(b *testing.B) {
	blasctltest.Pin(b, 1)
	for b.Loop() {
		// ... call the code under test ...
	}
}

func ExamplePin() {
	// Pin runs inside a test, a benchmark or a fuzz target; see the file.
	_, _ = testMultiply, benchmarkMultiply
}
