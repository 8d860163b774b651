package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestInfoIdle: blasctl info shows each library's idle behaviour, in the
// table's IDLE column and under the JSON key idle: the pthreads OpenBLAS's
// spin, which ParkWorkers can stop.
func TestInfoIdle(t *testing.T) {
	out := infoPthreads(t)
	if !strings.Contains(out, "IDLE") || !strings.Contains(out, "spins 2^") {
		t.Errorf("table lacks the IDLE column or the spin:\n%s", out)
	}
	out = infoPthreads(t, "-json")
	var libs []map[string]any
	if err := json.Unmarshal([]byte(out), &libs); err != nil || len(libs) == 0 {
		t.Fatalf("%v: %s", err, out)
	}
	if idle, _ := libs[0]["idle"].(string); !strings.HasPrefix(idle, "spins 2^") {
		t.Errorf("idle key %q, want the spin", libs[0]["idle"])
	}
}
