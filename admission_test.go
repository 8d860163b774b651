package blasctl

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestAdmissionBound: of many goroutines calling WithFairShare at once, at
// most GOMAXPROCS+admitSlack run fn at a time, save those that entered
// anyway after admitPatience without progress.
func TestAdmissionBound(t *testing.T) {
	var inside, most atomic.Int64
	escapes := admit.escapes.Load()
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				err := WithFairShare(func() {
					n := inside.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					runtime.Gosched() // let the others try
					inside.Add(-1)
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	extra := admit.escapes.Load() - escapes
	t.Logf("at most %d inside at once (GOMAXPROCS %d + %d), %d entered without admission", most.Load(), runtime.GOMAXPROCS(0), admitSlack, extra)
	if most.Load() > admitLimit()+extra {
		t.Errorf("%d goroutines inside WithFairShare at once, GOMAXPROCS+%d is %d and %d entered without admission",
			most.Load(), admitSlack, admitLimit(), extra)
	}
	if n := admit.inside.Load(); n != 0 {
		t.Errorf("%d places still taken after every call returned", n)
	}
}

// TestAdmissionNoDeadlock: every place is taken by a call whose fn waits
// for a goroutine that itself calls WithFairShare. Every call must end:
// a waiter enters anyway after admitPatience without progress.
func TestAdmissionNoDeadlock(t *testing.T) {
	places := int(admitLimit())
	escapes := admit.escapes.Load()
	var in, wg sync.WaitGroup
	in.Add(places)
	for range places {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := WithFairShare(func() {
				in.Done()
				in.Wait() // every place is taken now
				done := make(chan error)
				go func() { done <- WithFairShare(func() {}) }()
				if err := <-done; err != nil {
					t.Error(err)
				}
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if admit.escapes.Load() == escapes {
		t.Error("every call was admitted although each admitted fn waited for a call that needed a place")
	}
}

// TestAdmissionNested: a WithFairShare inside a scope on the same goroutine
// never waits for admission, also when every place is taken: it is locked
// to its thread already.
func TestAdmissionNested(t *testing.T) {
	places := int(admitLimit())
	escapes := admit.escapes.Load()
	release := make(chan struct{})
	var in, held sync.WaitGroup
	// Every place but one taken by calls that wait inside fn.
	for range places - 1 {
		in.Add(1)
		held.Add(1)
		go func() {
			defer held.Done()
			_ = WithFairShare(func() { in.Done(); <-release })
		}()
	}
	in.Wait()
	err := WithFairShare(func() { // the last place
		if admit.inside.Load() != int64(places) {
			t.Errorf("%d places taken, want %d", admit.inside.Load(), places)
		}
		for _, nested := range []func() error{
			func() error { return WithFairShare(func() {}) },
			func() error { return WithThreads(1, func() { _ = WithFairShare(func() {}) }) },
		} {
			if err := nested(); err != nil {
				t.Error(err)
			}
		}
	})
	close(release)
	held.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n := admit.escapes.Load() - escapes; n != 0 {
		t.Errorf("%d nested calls waited for admission until they entered anyway", n)
	}
	restore, err := Limit(1)
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	if !InScope() {
		t.Error("under a Limit on this goroutine, InScope reports false")
	}
}

// TestShareCountsWaiters: a goroutine waiting for admission counts among
// the k goroutines a share divides the budget by, as it did before
// admission made it wait: a call that enters while others wait gets
// max(1, P/(inside + waiting)), not the larger share of the few inside
// (on a process-wide count such a call would run threaded beside the
// others' calls).
func TestShareCountsWaiters(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	var ts threadState
	alone := ts.enterFair(1, false)
	ts.leaveFair()
	admit.waiting.Add(3) // three goroutines waiting for a place
	waited := ts.enterFair(1, false)
	ts.leaveFair()
	admit.waiting.Add(-3)
	if alone != 8 || waited != 2 {
		t.Errorf("share alone %d, with 3 waiting %d; want 8 and 2 (P = 8)", alone, waited)
	}
}
