package blasctl

import "testing"

// TestThreadStateOf checks that each thread id has one state, whether it
// lands in the table or, once its probe run is full, in the overflow map.
func TestThreadStateOf(t *testing.T) {
	seen := map[int]*threadState{}
	for i := range 5000 {
		tid := 0x7f0000000000 + i*0x801000 // pthread_t-like addresses
		ts := threadStateOf(tid)
		if ts.tid != tid || seen[tid] != nil {
			t.Fatalf("thread %#x: state of %#x, or made twice", tid, ts.tid)
		}
		seen[tid] = ts
	}
	for tid, ts := range seen {
		if threadStateOf(tid) != ts {
			t.Fatalf("thread %#x: a second state", tid)
		}
	}
	if a, b := threadStateOf(0), threadStateOf(0); a == b {
		t.Error("thread id 0 (none) shares one state")
	}
}
