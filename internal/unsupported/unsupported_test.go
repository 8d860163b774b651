//go:build !linux && !darwin && !windows

package unsupported_test

import (
	"errors"
	"testing"

	"github.com/blasctl/blasctl"
)

// TestUnsupported checks the answer everywhere but Linux, macOS and Windows:
// ErrUnsupported from every entry point, fn never run, restore never nil.
func TestUnsupported(t *testing.T) {
	if _, err := blasctl.Libraries(); !errors.Is(err, blasctl.ErrUnsupported) {
		t.Errorf("Libraries: %v", err)
	}
	ran := false
	if err := blasctl.WithThreads(1, func() { ran = true }); !errors.Is(err, blasctl.ErrUnsupported) || ran {
		t.Errorf("WithThreads: %v, fn ran %v", err, ran)
	}
	restore, err := blasctl.Limit(1)
	if !errors.Is(err, blasctl.ErrUnsupported) || restore == nil || restore() != nil {
		t.Errorf("Limit: %v", err)
	}
	if err := blasctl.WithThreads(0, func() {}); !errors.Is(err, blasctl.ErrInvalidCount) {
		t.Errorf("WithThreads(0): %v, want ErrInvalidCount before the platform check", err)
	}
}
