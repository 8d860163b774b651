package main

import (
	"fmt"
	"math"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/fblas"
)

// The pair mode (-pair) measures back-to-back throughput only, with the
// default and the policy in the same process: windows of unscoped calls
// under IdleDefault and windows of WithFairShare calls under IdleSleep
// alternate, pairWindows of each per size, and each side reports its best
// window. Separate processes differ by more than the policy costs on some
// builds (BLIS starts its threads per call at n = 64); alternating in one
// process, both sides meet the same machine.

const pairWindows = 16

// pairs measures the pair mode with the build's dgemm_; with
// scopedBase, the default side's calls are in WithFairShare too.
func pairs(dgemm uintptr, quick, scopedBase bool) result {
	window := 100 * time.Millisecond
	if quick {
		window = 10 * time.Millisecond
	}
	var r result
	for _, n := range sizes {
		a, bm, c := matrix(n, 1), matrix(n, 2), make([]float64, n*n)
		plain := func() { fblas.Dgemm(dgemm, n, a, bm, c) }
		scoped := func() {
			if err := blasctl.WithFairShare(plain); err != nil {
				fatal("%v", err)
			}
		}
		var best [2]float64
		for i := range 2 * pairWindows {
			side := i % 2
			if i/2%2 == 1 {
				side = 1 - side // alternate which side goes first
			}
			policy, call := blasctl.IdleDefault, plain
			if scopedBase {
				call = scoped
			}
			if side == 1 {
				policy, call = blasctl.IdleSleep, scoped
			}
			if _, err := blasctl.SetIdlePolicy(policy); err != nil {
				fatal("%v", err)
			}
			call()
			calls, t := 0, time.Now()
			for calls < minWindowCalls || time.Since(t) < window {
				call()
				calls++
			}
			best[side] = max(best[side], float64(calls)*2*math.Pow(float64(n), 3)/time.Since(t).Seconds()/1e9)
		}
		r.Pair = append(r.Pair, best)
	}
	if _, err := blasctl.SetIdlePolicy(blasctl.IdleDefault); err != nil {
		fatal("%v", err)
	}
	return r
}

// printPairs prints the pair mode's table: per build and size, the median
// over rounds of each side's best window, and their ratio.
func printPairs(builds []string, runs map[[2]string][]result, base string) {
	head := "default (unscoped)"
	if base == "scoped" {
		head = "WithFairShare, IdleDefault"
	}
	fmt.Printf("| build | n | %s GFLOP/s | IdleSleep, WithFairShare | ratio |\n", head)
	fmt.Println("|---|--:|--:|--:|--:|")
	for _, b := range builds {
		rs := runs[[2]string{b, "pair"}]
		for i, n := range sizes {
			var def, pol []float64
			for _, r := range rs {
				def = append(def, r.Pair[i][0])
				pol = append(pol, r.Pair[i][1])
			}
			d, p := median(def), median(pol)
			fmt.Printf("| %s | %d | %.1f | %.1f | %.2f× |\n", label(b), n, d, p, p/d)
		}
	}
	fmt.Println("\nEach side's best of 16 alternating windows of 0.1 s per size and round; medians over rounds.")
}
