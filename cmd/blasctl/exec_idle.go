package main

import (
	"fmt"
	"strings"
)

// idleVar is one load-time variable under which a library's worker threads
// sleep as soon as a call returns instead of spinning for the next one.
type idleVar struct {
	name, value string
	// waitDetail marks a variable that overrides OMP_WAIT_POLICY in its
	// runtime: it is left out when the environment sets OMP_WAIT_POLICY.
	waitDetail bool
}

// idleVars are the variables exec -idle sleep sets. Each library reads its
// own once, when it loads.
var idleVars = []idleVar{
	// Every OpenMP runtime: libgomp, LLVM libomp and Intel libiomp5, so also
	// the BLAS builds threading through them (OpenBLAS's OpenMP build, MKL's
	// GNU and Intel layers, BLIS's OpenMP build, NVPL, Arm PL).
	{"OMP_WAIT_POLICY", "passive", false},
	// libomp and libiomp5 (MKL's Intel layer), in ms: 0 is its minimum, and
	// it wins over OMP_WAIT_POLICY (active reads as an infinite blocktime).
	{"KMP_BLOCKTIME", "0", true},
	// libgomp, in spins: 0, and it wins over OMP_WAIT_POLICY as well.
	{"GOMP_SPINCOUNT", "0", true},
	// The pthreads OpenBLAS (0.3.x blas_server.c): a worker sleeps after
	// 2^v timestamp-counter ticks without work; 4 is the smallest v it
	// takes (1 to 3 read as 4, 0 or unset as its default, 28).
	{"OPENBLAS_THREAD_TIMEOUT", "4", false},
}

// parseIdle reads -idle's value: whether the idle variables are set.
func parseIdle(v string) (sleep bool, err error) {
	switch v {
	case "", "default":
		return false, nil
	case "sleep":
		return true, nil
	}
	return false, fmt.Errorf("-idle must be sleep or default, got %q", v)
}

// idleEnv returns env with the idle variables added. A variable env already
// holds is the user's choice and stays as it is; an OMP_WAIT_POLICY it holds
// also keeps out the variables that would override it.
func idleEnv(env []string) []string {
	set := map[string]bool{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	out := env[:len(env):len(env)]
	for _, v := range idleVars {
		if set[v.name] || (v.waitDetail && set["OMP_WAIT_POLICY"]) {
			continue
		}
		out = append(out, v.name+"="+v.value)
	}
	return out
}
