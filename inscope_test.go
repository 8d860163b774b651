package blasctl_test

import (
	"runtime"
	"testing"

	"github.com/blasctl/blasctl"
)

// TestInScope checks that InScope is true inside WithThreads, WithFairShare
// and a Limit (until its restore), nested ones too, and false outside them,
// whether the goroutine is locked to its thread or not.
func TestInScope(t *testing.T) {
	if blasctl.InScope() {
		t.Fatal("InScope is true outside any scope")
	}
	runtime.LockOSThread()
	if blasctl.InScope() {
		t.Error("InScope is true on a locked goroutine outside any scope")
	}
	runtime.UnlockOSThread()
	check := func(where string, want bool) {
		t.Helper()
		if got := blasctl.InScope(); got != want {
			t.Errorf("%s: InScope is %v, want %v", where, got, want)
		}
	}
	if err := blasctl.WithThreads(1, func() {
		check("inside WithThreads", true)
		if err := blasctl.WithFairShare(func() { check("inside WithFairShare inside WithThreads", true) }); err != nil {
			t.Error(err)
		}
		check("inside WithThreads after a nested WithFairShare", true)
	}); err != nil {
		t.Fatal(err)
	}
	check("after WithThreads", false)
	if err := blasctl.WithFairShare(func() { check("inside WithFairShare", true) }); err != nil {
		t.Fatal(err)
	}
	check("after WithFairShare", false)
	restore, err := blasctl.Limit(1)
	if err != nil {
		t.Fatal(err)
	}
	check("under Limit", true)
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	check("after the Limit's restore", false)
	// Other goroutines, on other threads, are not inside the scope.
	if err := blasctl.WithThreads(1, func() {
		done := make(chan bool)
		go func() { done <- blasctl.InScope() }()
		if <-done {
			t.Error("InScope is true on another goroutine while this one is in a scope")
		}
	}); err != nil {
		t.Fatal(err)
	}
}
