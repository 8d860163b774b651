package blasctl

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestOpenBLASParkSafe: the versions whose pool comes back whole after a
// shutdown (from 0.3.4, whose setter starts a pool that is down, except
// 0.3.28, whose shutdown frees the buffers a later thread needs).
func TestOpenBLASParkSafe(t *testing.T) {
	for v, want := range map[string]bool{
		"0.3.3": false, "0.3.4": true, "0.3.21": true, "0.3.27": true, "0.3.28": false,
		"0.3.29": true, "0.3.30.dev": true, "0.2.20": false, "1.0.0": true, "": false, "develop": false,
	} {
		if got := openblasParkSafe(v); got != want {
			t.Errorf("openblasParkSafe(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestSetIdlePolicyBadInput: an unknown policy is an error and changes
// nothing; a known one returns the one it replaces.
func TestSetIdlePolicyBadInput(t *testing.T) {
	defer SetIdlePolicy(IdleDefault)
	if prev, err := SetIdlePolicy(IdleSleep); err != nil || prev != IdleDefault {
		t.Fatalf("SetIdlePolicy(IdleSleep) = %v, %v", prev, err)
	}
	for _, p := range []IdlePolicy{-1, 2, 99} {
		prev, err := SetIdlePolicy(p)
		if err == nil || prev != IdleSleep || CurrentIdlePolicy() != IdleSleep {
			t.Errorf("SetIdlePolicy(%d) = %v, %v; policy now %v", p, prev, err, CurrentIdlePolicy())
		}
	}
	if prev, err := SetIdlePolicy(IdleDefault); err != nil || prev != IdleSleep {
		t.Errorf("SetIdlePolicy(IdleDefault) = %v, %v", prev, err)
	}
}

// TestIdleScopeOff: under IdleDefault a scope's idle record is empty, and
// leaving it calls nothing.
func TestIdleScopeOff(t *testing.T) {
	l := &lib{idle: idleLevers{getBlocktime: 1, setBlocktime: 1, pause: 1}} // calling them would crash
	s := idleEnter(&frame{libs: []*lib{l}, ts: &threadState{}})
	if s.on || s.nkmp != 0 || s.npau != 0 {
		t.Fatalf("idleEnter under IdleDefault: %+v", s)
	}
	s.leave()
}

// TestLibraryIdleJSON: the idle key is written when known, left out when
// not, so that the keys threadpoolctl reports stay as they are.
func TestLibraryIdleJSON(t *testing.T) {
	b, err := json.Marshal(Library{Idle: "spins 200 ms (blocktime)"})
	if err != nil || !strings.Contains(string(b), `"idle":"spins 200 ms (blocktime)"`) {
		t.Errorf("with Idle: %s, %v", b, err)
	}
	b, err = json.Marshal(Library{})
	if err != nil || strings.Contains(string(b), `"idle"`) {
		t.Errorf("without Idle: %s, %v", b, err)
	}
}

// TestParkWorkersNothingLoaded: with no pool to park, ParkWorkers does
// nothing and reports no error (ErrUnsupported only where the loader
// cannot be read).
func TestParkWorkersNothingLoaded(t *testing.T) {
	if err := ParkWorkers(); err != nil && !errors.Is(err, ErrUnsupported) {
		t.Error(err)
	}
}
