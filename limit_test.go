package blasctl_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// The Limit half of TestRealLibraries's suite.

// testLimitLeavesOtherThreads checks that Limit and restore leave other
// threads as they were, even where the limiting thread's own OpenMP count
// was lowered first: MKL, before anything set its global count, follows
// that count. It runs before any other subtest sets a count.
func (tg *target) testLimitLeavesOtherThreads(t *testing.T) {
	var before, after int
	onThread(func() { before = tg.threads() })
	onThread(func() {
		for _, p := range tg.build.Load {
			if strings.HasSuffix(p, "/libgomp.so.1") {
				libtest.Set(libtest.Func(t, libtest.Open(t, p), "omp_set_num_threads"), 1)
			}
		}
		restore, err := blasctl.Limit(1)
		if err != nil {
			t.Error(err)
			return
		}
		var under int
		onThread(func() { under = tg.threads() })
		if tg.build.Scope == "process" || tg.build.InternalAPI == "mkl" {
			if under != 1 {
				t.Errorf("under Limit(1) another thread reads %d", under)
			}
		}
		if err := restore(); err != nil {
			t.Error(err)
		}
	})
	onThread(func() { after = tg.threads() })
	if after != before {
		t.Errorf("Limit and restore changed another thread's count from %d to %d", before, after)
	}
}

// testLimit: Limit applies n until its restore, which only the limiting
// goroutine may call, and which may be called again.
func (tg *target) testLimit(t *testing.T) {
	// Limit and restore run on a goroutine of their own, which Limit locks.
	onThread(func() {
		restore, err := blasctl.Limit(1)
		if err != nil {
			t.Error(err)
			return
		}
		if got := tg.threads(); got != 1 {
			t.Errorf("after Limit(1): %d", got)
		}
		if tg.build.Scope == "process" || tg.build.InternalAPI == "mkl" {
			var other int
			onThread(func() { other = tg.threads() })
			if other != 1 {
				t.Errorf("Limit(1) is process-wide here, another thread reads %d", other)
			}
		}
		var wrong error
		onThread(func() { wrong = restore() })
		if !errors.Is(wrong, blasctl.ErrWrongGoroutine) || tg.threads() != 1 {
			t.Errorf("restore from another goroutine: %v, count %d", wrong, tg.threads())
		}
		if err := restore(); err != nil {
			t.Error(err)
		}
		if err := restore(); err != nil {
			t.Errorf("second restore: %v", err)
		}
		if got := tg.threads(); got != tg.start {
			t.Errorf("after restore: %d, want %d", got, tg.start)
		}
	})
	if got := tg.threads(); got != tg.start {
		t.Errorf("suite thread after Limit: %d, want %d", got, tg.start)
	}
}
