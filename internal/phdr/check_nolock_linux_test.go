//go:build linux && (amd64 || arm64)

package phdr

import (
	"testing"
	"time"

	"github.com/blasctl/blasctl/internal/loader"
)

// TestCheckTakesNoLock: the generation check runs while a listing holds
// walker.mu. Scopes check the generation with their goroutine locked to its
// OS thread, where waiting on a lock keeps the thread.
func TestCheckTakesNoLock(t *testing.T) {
	if _, st := (Loader{}).Check(); st != loader.Counted {
		t.Fatalf("status %v, want Counted", st)
	}
	walker.mu.Lock()
	defer walker.mu.Unlock()
	done := make(chan loader.Status, 1)
	go func() {
		_, st := rawCheck()
		done <- st
	}()
	select {
	case st := <-done:
		if st != loader.Counted {
			t.Fatalf("status %v, want Counted", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the generation check waited on walker.mu")
	}
}

// TestCheckConcurrent: many goroutines check at once, each on its own
// header, and all read the same counters (nothing loads meanwhile).
func TestCheckConcurrent(t *testing.T) {
	want, _ := rawCheck()
	errs := make(chan loader.Generation, 64)
	for range 64 {
		go func() {
			var g loader.Generation
			for range 200 {
				if g, _ = rawCheck(); g != want {
					break
				}
			}
			errs <- g
		}()
	}
	for range 64 {
		if g := <-errs; g != want {
			t.Fatalf("a concurrent check read %+v, want %+v", g, want)
		}
	}
}
